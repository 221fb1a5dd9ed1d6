import type { HookRow } from "../db/schema";
import { isSettled } from "../domain/delivery-verdict";
import { hookStateOf } from "../durable/hook-state";
import type { LineEnd, OnDead } from "../durable/hook-line";
import type { DeliveryMessage, Env } from "../env";
import type { DeliveryUpdate } from "../log/records";
import { errorDetail, log } from "../observability/log";
import { UNREACHABLE_HOLD_SECONDS, type LineTurn } from "./admission";
import { enqueueDeliveries } from "./enqueue";
import { inProcessMessage, type Retry } from "./in-process";
import type { DeliveryJob } from "./jobs";

// Ordered delivery (a hook with `ordering: "fifo"`; docs/delivery.md, "Ordered delivery"). The hook's
// HookState keeps its line (src/durable/hook-line.ts); only the head is sent, by a queue message
// carrying its turn, and the next one is handed out when the head's delivery ends. The three places a
// FIFO delivery passes:
//
// - publish: its delivery joins the line before the publish answers (`joinAtPublish`), instead of
//   being attempted by the publishing Worker or queued: so an event published after another's answer
//   is behind it. The head's message, when the line was empty, goes to the queue.
// - the consumer, before sending: any other message of a FIFO hook's delivery (a retry or recover, a
//   replay, the log's re-send of a lost message) joins the line too (`holdForTurn`, one call per hook
//   per batch) instead of being sent; a message carrying a turn is checked by `admitInTurn` in the same
//   call as the breaker and rate limit, so a late copy of an earlier head never sends.
// - the consumer, after recording: a head that ended (succeeded, dead, skipped) moves the line on
//   (`advanceLines`), whose answer is the next head's message, attempted in place by the same
//   invocation (a chain, bounded) or queued. A head that failed and will be retried keeps its turn:
//   its retry message carries it, on the hook's schedule.
//
// Hooks with `ordering: "none"` take none of these paths: their only cost is a field read from rows
// already read.

/** The turn a message carries, if it is a FIFO head's. */
export function lineTurnOf(body: DeliveryMessage): LineTurn | undefined {
  return body.turn === undefined ? undefined : { deliveryId: body.delivery_id, turn: body.turn };
}

/**
 * A publish's FIFO deliveries join their hooks' lines (one call per hook, all at once), before the
 * publish answers. Answers the deliveries that could not join: the caller marks them unsent, so the
 * log's alarm sends them within seconds and they join the line then (behind what joined meanwhile).
 */
export async function joinAtPublish(env: Env, accountId: string, deliveries: Array<{ id: string; hookId: string }>): Promise<string[]> {
  const failed: string[] = [];
  const heads: DeliveryMessage[] = [];
  await Promise.all(
    deliveries.map(async ({ id, hookId }) => {
      try {
        heads.push(...(await hookStateOf(env.HOOK_STATE, hookId).joinLine([{ delivery_id: id, account_id: accountId, hook_id: hookId }], undefined, true)));
      } catch (error) {
        log("error", "a FIFO delivery could not join its hook's line; the delivery log sends it again", { delivery_id: id, error: errorDetail(error) });
        failed.push(id);
      }
    }),
  );
  await dispatch(env, heads);
  return failed;
}

/**
 * A FIFO hook's message without a turn joins its hook's line rather than being sent; it is then
 * acknowledged (the line holds it) and taken out of `byDelivery`. Stale, settled and unsendable ones
 * (a disabled hook: skipped as usual) are left to the consumer's usual handling.
 */
export async function holdForTurn(env: Env, byDelivery: Map<string, Message<DeliveryMessage>>, jobs: Map<string, DeliveryJob>): Promise<void> {
  const byHook = new Map<string, { hook: HookRow; messages: Array<Message<DeliveryMessage>> }>();
  for (const message of byDelivery.values()) {
    const job = jobs.get(message.body.delivery_id);
    const hook = job?.hook;
    if (!job || !hook || hook.ordering !== "fifo" || message.body.turn !== undefined) continue;
    if (!hook.enabled || hook.state === "deactivated" || hook.phase !== "post") continue;
    if ((message.body.token ?? null) !== job.delivery.messageToken || isSettled(job.delivery.status, message.body.manual === true)) continue;
    let entry = byHook.get(hook.id);
    if (!entry) byHook.set(hook.id, (entry = { hook, messages: [] }));
    entry.messages.push(message);
  }
  if (byHook.size === 0) return;
  const heads: DeliveryMessage[] = [];
  await Promise.all(
    [...byHook.values()].map(async ({ hook, messages }) => {
      // Within a batch, in id order: a delivery's id sorts by its event's publish time.
      messages.sort((a, b) => (a.body.delivery_id < b.body.delivery_id ? -1 : 1));
      for (const m of messages) byDelivery.delete(m.body.delivery_id);
      try {
        heads.push(...(await hookStateOf(env.HOOK_STATE, hook.id).joinLine(messages.map((m) => ({ ...m.body, hook_id: hook.id })), hook.orderingOnDead)));
        for (const m of messages) m.ack();
      } catch (error) {
        log("error", "FIFO deliveries could not join their hook's line; they come back", { hook_id: hook.id, error: errorDetail(error) });
        for (const m of messages) m.retry({ delaySeconds: UNREACHABLE_HOLD_SECONDS });
      }
    }),
  );
  await dispatch(env, heads);
}

/** What a batch recorded (the consumer's `settle`): the deliveries' new states, and those whose record failed. */
export interface Recorded {
  updates: DeliveryUpdate[];
  unrecorded: Set<string>;
}

/**
 * After a batch is recorded: each FIFO head whose delivery ended moves its line on, and the next
 * head's message is queued. A head still open (failed, to be retried; postponed) keeps its turn.
 * Should the hook's object not answer, a copy of the head's message comes back in a few seconds,
 * finds its delivery ended and tries again.
 */
export async function advanceLines(
  env: Env,
  handled: Array<{ message: Message<DeliveryMessage>; job: DeliveryJob | undefined }>,
  recorded: Recorded,
  attemptHere?: (batch: MessageBatch<DeliveryMessage>) => Promise<void>,
): Promise<void> {
  const next: DeliveryMessage[] = [];
  const again: DeliveryMessage[] = [];
  const status = new Map(recorded.updates.map((u) => [u.id, u.status]));
  await Promise.all(
    handled.map(async ({ message, job }) => {
      const turn = lineTurnOf(message.body);
      if (!turn || recorded.unrecorded.has(turn.deliveryId)) return;
      const ended = headEnd(message.body, job, status);
      if (!ended) return;
      try {
        next.push(...(await hookStateOf(env.HOOK_STATE, ended.hookId).advanceLine(turn.deliveryId, turn.turn, ended.end, ended.onDead)));
      } catch (error) {
        log("error", "moving a FIFO hook's line on failed; its head's message comes back to try again", { hook_id: ended.hookId, error: errorDetail(error) });
        again.push(message.body);
      }
    }),
  );
  const chain = chainOf(handled);
  if (attemptHere && next.length > 0 && chain.n < CHAIN_LIMIT && Date.now() - chain.startedMs < CHAIN_MS) await attemptNow(env, next, chain, attemptHere);
  else await dispatch(env, next);
  if (again.length > 0) {
    await env.DELIVERIES.sendBatch(again.map((body) => ({ body, delaySeconds: UNREACHABLE_HOLD_SECONDS, contentType: "json" as const }))).catch((error) =>
      log("error", "re-queueing FIFO heads failed; their lines wait for the delivery log's re-send", { error: errorDetail(error) }),
    );
  }
}

/**
 * The next heads are attempted by the invocation that moved their lines on, through the consumer's
 * code, up to CHAIN_LIMIT heads in a row or CHAIN_MS: each saves its queue message (3 operations,
 * $1.20 per million) and the queue's latency, so a FIFO hook's rate is one delivery per round of
 * calls, not per queue hop. Past either bound, and for a head's retry (with its schedule's wait) or
 * postponement, the queue takes over.
 */
const CHAIN_LIMIT = 50;
const CHAIN_MS = 20_000;
const CHAIN_ID = "fifo-chain:";

/** How far along a chain of in-place heads this batch is (its messages' ids say), and when it started. */
function chainOf(handled: Array<{ message: Message<DeliveryMessage> }>): { n: number; startedMs: number } {
  let n = 0;
  let startedMs = Date.now();
  for (const { message } of handled) {
    if (!message.id.startsWith(CHAIN_ID)) continue;
    n = Math.max(n, Number(message.id.slice(CHAIN_ID.length).split(":")[0]));
    startedMs = Math.min(startedMs, message.timestamp.getTime());
  }
  return { n, startedMs };
}

async function attemptNow(env: Env, heads: DeliveryMessage[], chain: { n: number; startedMs: number }, attemptHere: (batch: MessageBatch<DeliveryMessage>) => Promise<void>): Promise<void> {
  const later: Retry[] = [];
  const settled = new Set<string>();
  const messages = heads.map((body) => inProcessMessage(body, later, settled, `${CHAIN_ID}${chain.n + 1}:${body.delivery_id}`, new Date(chain.startedMs)));
  const batch = { queue: "fifo-chain", messages, ackAll: () => messages.forEach((m) => m.ack()), retryAll: () => messages.forEach((m) => m.retry()) };
  try {
    await attemptHere(batch as unknown as MessageBatch<DeliveryMessage>);
  } catch (error) {
    log("error", "attempting FIFO heads in place failed; they go through the queue", { error: errorDetail(error) });
    for (const m of messages) if (!settled.has(m.id)) m.retry({ delaySeconds: UNREACHABLE_HOLD_SECONDS });
  }
  if (later.length === 0) return;
  const now = Date.now();
  // A head's retry keeps its turn and its schedule's wait; the tries used are carried in `tries_before`.
  await env.DELIVERIES.sendBatch(later.map((r) => ({ ...r.message, delaySeconds: Math.max(0, Math.ceil((r.dueAt - now) / 1000)) }))).catch((error) =>
    log("error", "queueing FIFO heads' retries failed; the delivery log re-sends them", { error: errorDetail(error) }),
  );
}

/**
 * How a head's delivery ended, and its hook's line: null while it is open. A delivery the log no
 * longer has (its event past retention) is `gone`: nothing else would ever move its line on.
 */
function headEnd(body: DeliveryMessage, job: DeliveryJob | undefined, status: Map<string, DeliveryUpdate["status"]>): { hookId: string; end: LineEnd; onDead: OnDead } | null {
  if (!job) return body.hook_id ? { hookId: body.hook_id, end: "gone", onDead: "skip" } : null;
  if (!job.hook) return null;
  // The update just recorded, or (a copy ignored as already settled) the state it found.
  const sameMessage = (body.token ?? null) === job.delivery.messageToken;
  const end = lineEnd(status.get(body.delivery_id) ?? (sameMessage ? job.delivery.status : null));
  return end ? { hookId: job.hook.id, end, onDead: job.hook.orderingOnDead } : null;
}

function lineEnd(status: DeliveryUpdate["status"] | null): LineEnd | null {
  return status === "succeeded" || status === "dead" || status === "skipped" ? status : null;
}

/**
 * The heads' messages, to the queue. Should that fail, a head has its turn but no message: its
 * delivery is still open in the log, whose alarm re-sends it after its grace; that message re-joins
 * the line as its head, which hands it out again.
 */
async function dispatch(env: Env, heads: DeliveryMessage[]): Promise<void> {
  if (heads.length === 0) return;
  try {
    await enqueueDeliveries(env.DELIVERIES, heads);
  } catch (error) {
    log("error", "queueing FIFO heads failed; the delivery log re-sends them", { delivery_ids: heads.map((h) => h.delivery_id), error: errorDetail(error) });
  }
}

/**
 * A hook's ordering was turned off: the deliveries waiting in its line go to the queue (in line order,
 * from then on sent like any other hook's); a head's message still in the queue finds no turn and is
 * dropped, its delivery sent by the released copy. Should this fail, they are still open in the log,
 * whose alarm re-sends them after its grace.
 */
export async function releaseLine(env: Env, hookId: string): Promise<void> {
  try {
    await enqueueDeliveries(env.DELIVERIES, await hookStateOf(env.HOOK_STATE, hookId).releaseLine());
  } catch (error) {
    log("error", "releasing a hook's line failed; the delivery log re-sends its deliveries", { hook_id: hookId, error: errorDetail(error) });
  }
}
