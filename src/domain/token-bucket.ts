// Token bucket for a hook's `rate_limit_per_second`, as pure arithmetic over (state, now): the
// hook's Durable Object keeps the state and calls `takeToken` once per delivery.
//
// A delivery that finds a token goes now. One that finds none may *reserve* the next token when it
// frees within `maxWaitMs` (the bucket goes into debt; the caller sleeps until its slot, then sends):
// queue delays have whole-second granularity, so sub-second waits are cheaper and more precise when
// slept in place. A delivery whose slot is further away reserves nothing: it is told how long until
// a token frees and is postponed; it asks again when it comes back. Never reserving far-future slots
// matters: postponed messages return in bunches, and reservations they had made would all come due
// at once. Postponed callers are spread out instead: each is told to come back one refill interval
// after the one postponed before it (`backlogUntilMs`), so a backlog of n deliveries is asked about
// about once or twice each, not n times over; the bucket alone still decides who sends.

export interface BucketState {
  /** Tokens available; negative while slots are reserved ahead of time. */
  tokens: number;
  /** When `tokens` was last brought up to date (ms since the epoch). */
  updatedAtMs: number;
  /** When the deliveries postponed so far are expected to have had their turn. */
  backlogUntilMs?: number;
}

export interface BucketLimits {
  /** Refill rate; fractional rates (0.5 = one token every 2 s) are allowed. */
  ratePerSecond: number;
  /** Capacity: how many tokens an idle bucket saves up (at least 1, or a slow bucket could never send). */
  burst: number;
}

export type TakeDecision =
  /** A token is this caller's: send after `waitMs` (0 = now). */
  | { granted: true; waitMs: number }
  /** Nothing reserved: a token frees in `waitMs`; postpone and ask again. */
  | { granted: false; waitMs: number };

export function capacityOf(limits: BucketLimits): number {
  return Math.max(1, limits.burst);
}

/** The bucket as of `nowMs`: refilled since its last update, never above capacity. A new bucket is full. */
export function refill(state: BucketState | null, limits: BucketLimits, nowMs: number): BucketState {
  const capacity = capacityOf(limits);
  if (!state) return { tokens: capacity, updatedAtMs: nowMs };
  const elapsed = Math.max(0, nowMs - state.updatedAtMs);
  return {
    ...state,
    tokens: Math.min(capacity, state.tokens + (elapsed * limits.ratePerSecond) / 1000),
    updatedAtMs: Math.max(nowMs, state.updatedAtMs),
  };
}

export function takeToken(
  state: BucketState | null,
  limits: BucketLimits,
  nowMs: number,
  maxWaitMs: number,
): { state: BucketState; decision: TakeDecision } {
  if (!(limits.ratePerSecond > 0)) throw new RangeError("ratePerSecond must be positive");
  const current = refill(state, limits, nowMs);
  if (current.tokens >= 1) return { state: { ...current, tokens: current.tokens - 1 }, decision: { granted: true, waitMs: 0 } };
  // Time until the bucket holds one whole token again (after the reservations already made).
  const waitMs = Math.ceil(((1 - current.tokens) * 1000) / limits.ratePerSecond);
  if (waitMs <= maxWaitMs) return { state: { ...current, tokens: current.tokens - 1 }, decision: { granted: true, waitMs } };
  // Come back when a token frees, or after the deliveries postponed before this one, whichever is later.
  const turnAt = Math.max(nowMs + waitMs, current.backlogUntilMs ?? 0);
  const backlogUntilMs = turnAt + Math.ceil(1000 / limits.ratePerSecond);
  return { state: { ...current, backlogUntilMs }, decision: { granted: false, waitMs: turnAt - nowMs } };
}
