import { getConfig, type DeliveryMessage, type Env } from "../env";
import { deliveryRow, newStoredDelivery, type EventRow } from "../log/records";
import { errorDetail, log } from "../observability/log";
import { handleDeliveryBatch } from "./consumer";
import { OUTGOING_CONNECTIONS } from "./connection-slots";

// The first attempt of a new event's deliveries, made by the Worker that published it, right after
// its answer (under waitUntil) instead of through the queue: one round of outgoing connections' worth
// (the rest of a larger fan-out goes through the queue). It saves the queue's three operations per
// delivery ($1.20 per million) and the queue's latency, and runs exactly the consumer's code: the
// same admission (rate limit, breaker), send, verdict, outcome and hook-health writes. Whatever this
// attempt does not settle goes on through the queue: a retry or a postponement becomes a queue message
// carrying the try it used. Should the Worker stop before all that, the deliveries are still pending
// in the log, and its alarm sends them (src/log/upkeep.ts).

/** Deliveries of one event attempted by its publishing Worker: one round of outgoing connections. */
export const FIRST_ATTEMPTS = OUTGOING_CONNECTIONS;

export async function attemptFirst(env: Env, event: EventRow, deliveries: Array<{ id: string; hookId: string }>): Promise<void> {
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
