import { getConfig, type DeliveryMessage, type Env } from "../env";
import { deliveryRow, newStoredDelivery, type EventRow } from "../log/records";
import { errorDetail, log } from "../observability/log";
import { handleDeliveryBatch } from "./consumer";
import { roundFits } from "../domain/wait-until";
import { OUTGOING_CONNECTIONS } from "./connection-slots";
import { enqueueDeliveries } from "./enqueue";
import { logOf } from "../durable/delivery-log";
import { parseLogId } from "../domain/log-ids";

// The first attempt of a new event's deliveries, made by the Worker that published it, right after
// its answer (under waitUntil) instead of through the queue: up to two rounds of outgoing connections
// (the rest of a larger fan-out goes through the queue). Each round is recorded before the next
// starts, and a second round starts only while it still fits in waitUntil's 30 s (a round may take a
// whole DELIVERY_TIMEOUT_MS when a receiver hangs): otherwise its deliveries are queued instead. It saves the queue's three operations per
// delivery ($1.20 per million) and the queue's latency, and runs exactly the consumer's code: the
// same admission (rate limit, breaker), send, verdict, outcome and hook-health writes. Whatever this
// attempt does not settle goes on through the queue: a retry or a postponement becomes a queue message
// carrying the try it used. Should the Worker stop before all that, the deliveries are still pending
// in the log, and its alarm sends them (src/log/upkeep.ts).

/** Deliveries of one event attempted by its publishing Worker: two rounds of outgoing connections. */
export const FIRST_ATTEMPTS = 2 * OUTGOING_CONNECTIONS;
export async function attemptFirst(env: Env, event: EventRow, deliveries: Array<{ id: string; hookId: string }>): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < deliveries.length; i += OUTGOING_CONNECTIONS) {
    const round = deliveries.slice(i, i + OUTGOING_CONNECTIONS);
    if (i > 0 && !roundFits(Date.now() - started, getConfig(env).DELIVERY_TIMEOUT_MS)) return queueRest(env, event, deliveries.slice(i));
    await attemptRound(env, event, round);
  }
}

/** The deliveries there is no time left to attempt here: through the queue (or, failing that, the log's alarm). */
async function queueRest(env: Env, event: EventRow, rest: Array<{ id: string }>): Promise<void> {
  const ids = rest.map((d) => d.id);
  try {
    await enqueueDeliveries(env.DELIVERIES, ids.map((id) => ({ delivery_id: id, account_id: event.accountId })));
  } catch (error) {
    log("error", "queueing deliveries the first attempt left failed; the delivery log sends them again", { event_id: event.id, error: errorDetail(error) });
    await logOf(env.DELIVERY_LOG, event.accountId, parseLogId(event.id)!.shard).unsent(ids);
  }
}

async function attemptRound(env: Env, event: EventRow, deliveries: Array<{ id: string; hookId: string }>): Promise<void> {
  const later: MessageSendRequest<DeliveryMessage>[] = [];
  const settled = new Set<string>();
  const messages = deliveries.map(({ id }) => firstTryMessage({ delivery_id: id, account_id: event.accountId }, later, settled));
  const preloaded = new Map(
    deliveries.map(({ id, hookId }) => [id, { delivery: deliveryRow(event.accountId, event.id, id, event.createdAt, newStoredDelivery(hookId, event.createdAt)), event }]),
  );
  const batch = { queue: "first-attempt", messages, ackAll: () => messages.forEach((m) => m.ack()), retryAll: () => messages.forEach((m) => m.retry()) };
  try {
    await handleDeliveryBatch(batch as unknown as MessageBatch<DeliveryMessage>, env, preloaded);
  } catch (error) {
    // As the queue does with a batch whose consumer threw: every message not yet acknowledged or
    // retried is handed out again (through the queue, after the usual first retry's wait).
    log("error", "the first attempt failed; its deliveries go through the queue", { event_id: event.id, error: errorDetail(error) });
    for (const m of messages) if (!settled.has(m.id)) m.retry({ delaySeconds: getConfig(env).RETRY_SCHEDULE[0] ?? 0 });
  }
  if (later.length === 0) return;
  try {
    // The queue counts a send with no delay as the message's first try: the try used here is carried.
    await env.DELIVERIES.sendBatch(later);
  } catch (error) {
    log("error", "queueing what the first attempt left over failed; the delivery log sends it again", { event_id: event.id, error: errorDetail(error) });
  }
}

/**
 * A message as the consumer sees it, for a try made outside the queue. `retry` (a failed attempt, a
 * crash) queues the message with the delay and the try it used; the consumer's own postponements
 * queue their copies themselves (admission.ts `postpone`).
 */
function firstTryMessage(body: DeliveryMessage, later: MessageSendRequest<DeliveryMessage>[], settled: Set<string>): Message<DeliveryMessage> {
  const id = `first-${body.delivery_id}`;
  return {
    id,
    timestamp: new Date(),
    attempts: 1,
    body,
    ack: () => settled.add(id),
    retry: (options?: QueueRetryOptions) => {
      settled.add(id);
      later.push({ body: { ...body, tries_before: 1 }, contentType: "json", ...(options?.delaySeconds === undefined ? {} : { delaySeconds: options.delaySeconds }) });
    },
  };
}
