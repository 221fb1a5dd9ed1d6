import type { HookRow } from "../db/schema";
import type { HealthChange } from "../domain/hook-health";
import { MAX_QUEUE_DELAY_SECONDS } from "../domain/retry";
import { hookStateOf, type Admission, type AttemptRecorded, type RecordedAttempt } from "../durable/hook-state";
import type { DeliveryMessage, Env } from "../env";
import { errorDetail, log } from "../observability/log";

// The consumer's two calls to a hook's Durable Object (src/durable/hook-state.ts): may this delivery
// go now (rate limit, circuit breaker), and how did the batch's attempts go (failure streak, breaker,
// auto-disable). A hook without a rate limit whose breaker is closed costs no call before sending (its
// row says it has no limit and no open breaker: `failing_since`, set while the object's breaker is
// open; a closed breaker admits every delivery, so not asking it decides the same) and
// one call per queue batch after, whatever the batch's outcomes: a success left unreported would let
// failures on either side of it count as "in a row" (the breaker opened on a receiver that never
// failed twice running).

/**
 * A token that frees within this long is reserved and slept for in the consumer: queue delays come in
 * whole seconds, so sub-second waits are both cheaper and more precise in place.
 */
export const MAX_INLINE_WAIT_MS = 1000;

export type Gate =
  /** Send; `probe` when this is the one probe of an open breaker. */
  | { action: "send"; probe: boolean }
  /** Hold back, not an attempt: the message comes back after the delay. */
  | { action: "postpone"; delaySeconds: number }
  /** A FIFO hook's message that is not its delivery's turn: acknowledged, never sent. */
  | { action: "drop" };

/** A FIFO hook's message: the delivery and the turn it carries. */
export interface LineTurn {
  deliveryId: string;
  turn: number;
}

/** A hook's object that cannot be reached holds its deliveries back this long (not an attempt). */
export const UNREACHABLE_HOLD_SECONDS = 5;
/**
 * Deliveries an open breaker holds come back spread over up to this much after the next probe is
 * due, not all at once: when the probe closes the breaker, they reach the receiver as a ramp.
 */
export const MAX_RELEASE_SPREAD_MS = 60_000;

/**
 * One round trip when the hook has a rate limit or a failure streak; none otherwise. Should the
 * hook's object fail to answer, the delivery is postponed: a used try would move its retry schedule
 * for a fault of hookrouter's, and sending without asking would ignore the limit or the breaker.
 */
export async function admitDelivery(hookStates: Env["HOOK_STATE"], hook: HookRow, random: () => number = Math.random, turn?: LineTurn): Promise<Gate> {
  // A FIFO hook's message always asks (its turn is checked in the same call, src/delivery/fifo.ts).
  if (!turn && hook.rateLimitPerSecond === null && hook.failingSince === null) return { action: "send", probe: false };
  let admission: Admission | { action: "drop" };
  try {
    const opts = { rateLimitPerSecond: hook.rateLimitPerSecond, maxWaitMs: MAX_INLINE_WAIT_MS };
    const state = hookStateOf(hookStates, hook.id);
    admission = turn ? await state.admitInTurn(turn, opts) : await state.admit(opts);
  } catch (error) {
    log("error", "asking the hook's Durable Object failed; the delivery is held back", { hook_id: hook.id, error: errorDetail(error) });
    return { action: "postpone", delaySeconds: UNREACHABLE_HOLD_SECONDS };
  }
  if (admission.action === "drop") return admission;
  if (admission.action === "postpone") {
    const spread = admission.reason === "circuit_open" ? random() * Math.min(admission.waitMs, MAX_RELEASE_SPREAD_MS) : 0;
    return { action: "postpone", delaySeconds: delaySecondsFor(admission.waitMs + spread) };
  }
  if (admission.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, admission.waitMs));
  return { action: "send", probe: admission.probe };
}

/** Whole seconds, at least 1 (a message retried with 0 comes straight back), within the queue's maximum. */
export function delaySecondsFor(waitMs: number): number {
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(1, Math.ceil(waitMs / 1000)));
}

/**
 * Reports a hook's attempts of one batch, in the order they were made, to the hook's object (one
 * call, successes included: see HookState.recordAttempts) and answers what they mean for the hook's
 * row, or null when the object could not be reached (then the consumer decides from the row alone:
 * the attempts are recorded either way).
 */
export async function reportAttempts(hookStates: Env["HOOK_STATE"], hook: HookRow, attempts: RecordedAttempt[]): Promise<HealthChange | null> {
  try {
    return mirrorOnRow(hook, await hookStateOf(hookStates, hook.id).recordAttempts(attempts, hook.failingSince, { accountId: hook.accountId, hookId: hook.id }));
  } catch (error) {
    log("error", "reporting attempts to the hook's Durable Object failed", { hook_id: hook.id, error: errorDetail(error) });
    return null;
  }
}

/**
 * The change for the hook's row. Usually the object's verdict; but the row must also catch up when it
 * fell out of step with the object's breaker (a batch whose writes were lost): the row's
 * `failing_since`, set while the breaker is open, is what makes the consumer ask the object at all.
 */
export function mirrorOnRow(hook: Pick<HookRow, "failingSince">, recorded: AttemptRecorded): HealthChange {
  if (recorded.health.kind !== "none") return recorded.health;
  const open = recorded.circuit !== "closed";
  if (open && hook.failingSince === null && recorded.failing_since !== null) return { kind: "started_failing", at: recorded.failing_since };
  if (!open && hook.failingSince !== null) return { kind: "recovered" };
  return recorded.health;
}

/**
 * Which try of its delivery a message is: the queue's count for this message, plus the tries of the
 * copies it replaced (see `postpone`). Postponed tries are not counted, so they are never taken for
 * failed attempts or crashes by the retry schedule.
 */
export function tryNumber(message: Message<DeliveryMessage>): number {
  return message.attempts + (message.body.tries_before ?? 0);
}

/**
 * Holds deliveries back, each for its `delaySeconds`, without counting a try: a fresh copy of each
 * message is queued with that delay (carrying the tries made so far) and the message is acknowledged.
 * Not `message.retry`, which would count toward the queue's `max_retries` (a long outage behind an
 * open breaker would have the queue dead-letter deliveries that were never attempted) and toward
 * `message.attempts`, which the retry schedule reads. All of a batch's copies go in one `sendBatch`
 * (a queue batch is far below its 100 messages); should it fail, `message.retry` is the fallback:
 * held back all the same. Never throws.
 */
export async function postpone(queue: Queue<DeliveryMessage>, held: Array<{ message: Message<DeliveryMessage>; delaySeconds: number }>): Promise<void> {
  if (held.length === 0) return;
  try {
    await queue.sendBatch(
      held.map(({ message, delaySeconds }) => ({ body: { ...message.body, tries_before: tryNumber(message) - 1 }, delaySeconds, contentType: "json" as const })),
    );
    for (const { message } of held) message.ack();
  } catch (error) {
    log("error", "re-queueing postponed deliveries failed", { delivery_ids: held.map(({ message }) => message.body.delivery_id), error: errorDetail(error) });
    for (const { message, delaySeconds } of held) message.retry({ delaySeconds });
  }
}
