import { nextRetryDelay, type FailedAttempt } from "./retry";

// What becomes of a delivery after one attempt (or after the consumer failed to process it). Pure:
// the queue consumer applies the verdict (D1 row, ack or retry, dead-letter queue).

export type DeliveryStatus = "pending" | "succeeded" | "failed" | "dead" | "skipped";

export interface DeliveryState {
  status: DeliveryStatus;
  nextAttemptAt: string | null;
}

export interface Verdict {
  status: "succeeded" | "failed" | "dead";
  nextAttemptAt: string | null;
  /** Seconds until the queue hands the message back, or null: the message is acknowledged. */
  retryDelaySeconds: number | null;
  /** The automatic schedule gave up: the message goes to the dead-letter queue. */
  deadLetter: boolean;
}

export interface AttemptInput {
  before: DeliveryState;
  /** A manual retry or a recover: one attempt, never rescheduled automatically. */
  manual: boolean;
  /** The queue's count of deliveries of this message (1 on the first). */
  queueAttempt: number;
  result: Omit<FailedAttempt, "attempt"> & { ok: boolean; final?: boolean };
  schedule: readonly number[];
  now: Date;
  random: number;
}

/**
 * - 2xx → `succeeded`.
 * - a final failure (`transform_failed`) → `dead`, not retried.
 * - automatic message: retry on the schedule (status `failed`), or `dead` + dead-letter queue when
 *   the attempts are used up.
 * - manual message: a failure is not rescheduled (see `afterManualFailure`).
 */
export function verdictAfterAttempt(i: AttemptInput): Verdict {
  if (i.result.ok) return { status: "succeeded", nextAttemptAt: null, retryDelaySeconds: null, deadLetter: false };
  if (i.manual) return afterManualFailure(i.before);
  // A failure no retry can change (a transformation that fails on this event): dead at once, and
  // not dead-lettered (there is nothing for an operator to replay).
  if (i.result.final) return { status: "dead", nextAttemptAt: null, retryDelaySeconds: null, deadLetter: false };
  const delay = nextRetryDelay(i.schedule, { ...i.result, attempt: i.queueAttempt }, i.random);
  if (delay === null) return { status: "dead", nextAttemptAt: null, retryDelaySeconds: null, deadLetter: true };
  return { status: "failed", nextAttemptAt: new Date(i.now.getTime() + delay * 1000).toISOString(), retryDelaySeconds: delay, deadLetter: false };
}

/**
 * A manual attempt that failed: when the delivery is still on its automatic schedule (`failed`, its
 * own message waiting in the queue), it stays so; otherwise it is `dead` again. Either way the manual
 * message is acknowledged: nothing reschedules it, and it was dead-lettered when it first died.
 */
export function afterManualFailure(before: DeliveryState): Verdict {
  if (before.status === "failed") return { status: "failed", nextAttemptAt: before.nextAttemptAt, retryDelaySeconds: null, deadLetter: false };
  return { status: "dead", nextAttemptAt: null, retryDelaySeconds: null, deadLetter: false };
}

/**
 * The consumer could not process a message (an exception: D1 unavailable, a secret that cannot be
 * opened, a bug). It is retried on the same schedule, counted by the queue's `message.attempts`, so
 * a message that always fails still ends: null means give up (see `verdictWhenGivingUp`).
 */
export function crashRetryDelay(schedule: readonly number[], queueAttempt: number): number | null {
  return nextRetryDelay(schedule, { attempt: queueAttempt, status: null, timedOut: false, retryAfterSeconds: null }, 0.5);
}

export function verdictWhenGivingUp(before: DeliveryState, manual: boolean): Verdict {
  if (manual) return afterManualFailure(before);
  return { status: "dead", nextAttemptAt: null, retryDelaySeconds: null, deadLetter: true };
}

/** Already decided: a redelivered message (crash before ack, duplicate) must not send again. */
export function isSettled(status: DeliveryStatus, manual: boolean): boolean {
  if (status === "succeeded") return true;
  // A manual message is the way out of `dead` and `skipped`; an automatic one ends there.
  return !manual && (status === "dead" || status === "skipped");
}
