import { getConfig, type DeliveryMessage, type Env } from "../env";
import { deliveryRow, newStoredDelivery, type EventRow } from "../log/records";
import { errorDetail, log } from "../observability/log";
import { handleDeliveryBatch } from "./consumer";
import type { DeliveryJob } from "./jobs";
import { roundFits } from "../domain/wait-until";
import { OUTGOING_CONNECTIONS } from "./connection-slots";
import { enqueueDeliveries } from "./enqueue";
import { logOf } from "../durable/delivery-log";
import { parseLogId } from "../domain/log-ids";
import { inProcessMessage, type Retry } from "./in-process";

// The first attempt of a new event's deliveries, made by the Worker that published it, right after
// its answer (under waitUntil) instead of through the queue: up to two rounds of outgoing connections
// (the rest of a larger fan-out goes through the queue). Each round is recorded before the next
// starts, and a second round starts only while it still fits in waitUntil's 30 s (a round may take a
// whole DELIVERY_TIMEOUT_MS when a receiver hangs): otherwise its deliveries are queued instead. It
// saves the queue's three operations per delivery ($1.20 per million) and the queue's latency, and
// runs exactly the consumer's code: the same admission (rate limit, breaker), send, verdict, outcome
// and hook-health writes. A first retry the verdict calls for is made here too while it fits
// (`retryHere`); whatever else this Worker does not settle goes on through the queue: a retry or a
// postponement becomes a queue message carrying the tries used. Should the Worker stop before all
// that, the deliveries are still open in the log, and its alarm sends them (src/log/upkeep.ts).

/** Deliveries of one event attempted by its publishing Worker: two rounds of outgoing connections. */
export const FIRST_ATTEMPTS = 2 * OUTGOING_CONNECTIONS;
/** First retries due within this long of the earliest are made together (one batch, one outcome write). */
const RETRY_GROUP_MS = 1000;

export async function attemptFirst(env: Env, event: EventRow, deliveries: Array<{ id: string; hookId: string }>): Promise<void> {
  const started = Date.now();
  const timeoutMs = getConfig(env).DELIVERY_TIMEOUT_MS;
  const retries: Retry[] = [];
  for (let i = 0; i < deliveries.length; i += OUTGOING_CONNECTIONS) {
    const round = deliveries.slice(i, i + OUTGOING_CONNECTIONS);
    if (i > 0 && !roundFits(Date.now() - started, timeoutMs)) {
      await queueRest(env, event, deliveries.slice(i));
      break;
    }
    const preloaded = new Map(
      round.map(({ id, hookId }) => [id, { delivery: deliveryRow(event.accountId, event.id, id, event.createdAt, newStoredDelivery(hookId, event.createdAt)), event }]),
    );
    retries.push(...(await attemptRound(env, event.id, round.map(({ id }) => ({ delivery_id: id, account_id: event.accountId })), preloaded)));
  }
  const queued = await retryHere(env, event.id, started, timeoutMs, retries);
  await queueRetries(env, event.id, queued);
}

/**
 * The first retries the first attempts call for, made by this Worker while their wait and a whole
 * send still fit in waitUntil (the default schedule's first wait is 5 s): each one made here saves
 * its queue message (3 operations, $1.20 per million) and a consumer invocation. Exactly the
 * consumer's code again: the delivery is read back from its log (a manual retry or an alarm's
 * re-send since then supersedes it), the hook's object is asked as usual (its breaker may have opened
 * meanwhile), the verdict is the schedule's. One retry here at most: later ones, and what does not
 * fit, go through the queue. Answers those.
 */
async function retryHere(env: Env, eventId: string, started: number, timeoutMs: number, retries: Retry[]): Promise<Retry[]> {
  const queued: Retry[] = [];
  let left = [...retries].sort((a, b) => a.dueAt - b.dueAt);
  while (left.length > 0) {
    const earliest = left[0]!.dueAt;
    const group = left.filter((r) => r.dueAt <= earliest + RETRY_GROUP_MS).slice(0, FIRST_ATTEMPTS);
    const at = group[group.length - 1]!.dueAt;
    if (!roundFits(at - started, timeoutMs)) break;
    left = left.filter((r) => !group.includes(r));
    const wait = at - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    queued.push(...(await attemptRound(env, eventId, group.map((r) => r.message.body))));
  }
  return [...queued, ...left];
}

/** Retries left to the queue, each with the rest of its wait; the tries used here are carried. */
async function queueRetries(env: Env, eventId: string, retries: Retry[]): Promise<void> {
  if (retries.length === 0) return;
  const now = Date.now();
  try {
    // The queue counts a send with no delay as the message's first try: the tries used are in `tries_before`.
    await env.DELIVERIES.sendBatch(retries.map((r) => ({ ...r.message, delaySeconds: Math.max(0, Math.ceil((r.dueAt - now) / 1000)) })));
  } catch (error) {
    log("error", "queueing what the first attempt left over failed; the delivery log sends it again", { event_id: eventId, error: errorDetail(error) });
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

/** One batch through the consumer's code; answers the retries it calls for. */
async function attemptRound(env: Env, eventId: string, bodies: DeliveryMessage[], preloaded?: Map<string, Pick<DeliveryJob, "delivery" | "event">>): Promise<Retry[]> {
  const later: Retry[] = [];
  const settled = new Set<string>();
  const messages = bodies.map((body) => inProcessMessage(body, later, settled));
  const batch = { queue: "first-attempt", messages, ackAll: () => messages.forEach((m) => m.ack()), retryAll: () => messages.forEach((m) => m.retry()) };
  try {
    await handleDeliveryBatch(batch as unknown as MessageBatch<DeliveryMessage>, env, preloaded);
  } catch (error) {
    // As the queue does with a batch whose consumer threw: every message not yet acknowledged or
    // retried is handed out again (through the queue, after the usual first retry's wait).
    log("error", "the first attempt failed; its deliveries go through the queue", { event_id: eventId, error: errorDetail(error) });
    for (const m of messages) if (!settled.has(m.id)) m.retry({ delaySeconds: getConfig(env).RETRY_SCHEDULE[0] ?? 0 });
  }
  return later;
}
