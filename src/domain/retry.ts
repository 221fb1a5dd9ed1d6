// The retry schedule of deliveries: pure, so the rules below are unit-tested without a queue.
//
// RETRY_SCHEDULE lists the seconds to wait before each retry; a delivery gets `schedule.length + 1`
// attempts. Every wait is jittered by ±20 % so that the retries of a burst of failures do not all
// hit the receiver again in the same second.

/** Cloudflare Queues accepts delays up to 12 hours for `message.retry({ delaySeconds })`. */
export const MAX_QUEUE_DELAY_SECONDS = 43_200;

/** A timeout or a 429 means the receiver is overloaded: wait at least this long (see slowFailureFloor). */
export const SLOW_FAILURE_FLOOR_SECONDS = 60;

export const JITTER = 0.2;

export interface FailedAttempt {
  /** 1-based number of the attempt that just failed (the queue's `message.attempts`). */
  attempt: number;
  /** HTTP status, or null when there was no answer. */
  status: number | null;
  timedOut: boolean;
  /** The receiver's Retry-After (on 429/503), in seconds. */
  retryAfterSeconds: number | null;
}

export function maxAttempts(schedule: readonly number[]): number {
  return schedule.length + 1;
}

/**
 * The floor for timeouts and 429s: 60 s, but never more than the longest step of the configured
 * schedule. With the production schedule (up to 10 h) that is 60 s; a shrunk schedule used by tests
 * or local runs (`1,1,1`) is taken literally, so they stay fast.
 */
export function slowFailureFloor(schedule: readonly number[]): number {
  return Math.min(SLOW_FAILURE_FLOOR_SECONDS, Math.max(0, ...schedule));
}

/**
 * Seconds to wait before the next attempt, or null when the attempts are used up (the delivery is
 * dead). `random` is in [0, 1): 0.5 means no jitter.
 *
 * - the scheduled wait, jittered by ±20 %;
 * - a longer Retry-After is honoured, but clamped to twice the scheduled wait (a receiver cannot park
 *   a delivery for days);
 * - a timeout or a 429 waits at least `slowFailureFloor(schedule)`.
 */
export function nextRetryDelay(schedule: readonly number[], failed: FailedAttempt, random: number): number | null {
  if (failed.attempt < 1 || failed.attempt > schedule.length) return null;
  const base = schedule[failed.attempt - 1]!;
  let delay = wholeSecondsWithinJitter(base, base * (1 + JITTER * (2 * random - 1)));
  if (failed.retryAfterSeconds !== null && failed.retryAfterSeconds > delay) {
    delay = Math.max(delay, Math.min(failed.retryAfterSeconds, 2 * base));
  }
  if (failed.timedOut || failed.status === 429) delay = Math.max(delay, slowFailureFloor(schedule));
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, Math.round(delay)));
}

/**
 * The jittered wait in whole seconds (the queue's unit), kept inside the ±20 % band when the band
 * holds a whole second: rounding alone made a 3 s wait 2 s or 4 s (outside 2.4–3.6) one time in six.
 */
function wholeSecondsWithinJitter(base: number, jittered: number): number {
  // The epsilon keeps a bound that is a whole second in exact arithmetic (15 × 0.8) inside the band.
  const low = Math.ceil(base * (1 - JITTER) - 1e-9);
  const high = Math.floor(base * (1 + JITTER) + 1e-9);
  return low <= high ? Math.min(high, Math.max(low, Math.round(jittered))) : jittered;
}
