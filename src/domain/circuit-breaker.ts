// A hook's circuit breaker and failure record, as pure transitions over (state, now): the hook's
// Durable Object keeps the state; the queue consumer asks it before a delivery of a failing hook and
// reports every attempt's outcome, successes included.
//
// The rule: `threshold` failed attempts in a row, in the order the object hears of them, open the
// breaker; any success closes it and resets the count. The consumer reports once per hook per queue
// batch, the batch's outcomes in the order they were made (HookState.recordAttempts), whether or not
// one failed: a batch of successes left unreported would let the failures of other batches running
// at the same time count as consecutive. Cost: one Durable Object request per hook per batch
// ($0.15/M; a batch of one hook's deliveries shares it), and no row written while the hook stays
// healthy (the state is only stored when it changes).
//
// closed     deliveries go; failed attempts are counted (any success resets the count).
// open       after `threshold` consecutive failed attempts: every delivery is held back (postponed,
//            not failed) until the next probe is due.
// half_open  a probe is due or in flight: exactly one delivery goes through. Success closes the
//            breaker; failure reopens it with the probe interval doubled (up to a maximum).
//
// The same record (`failingSinceMs`: the first failure of the current streak) is what the rule that
// disables a hook whose deliveries have all failed for AUTO_DISABLE_AFTER_SECONDS reads
// (`healthAfterAttempt` in hook-health.ts, applied by the hook's Durable Object).

export type Circuit = "closed" | "open" | "half_open";

export interface BreakerState {
  consecutiveFailures: number;
  /** First failed attempt of the current streak; null while the hook is healthy. */
  failingSinceMs: number | null;
  /** When the breaker opened; null while it is closed. */
  openedAtMs: number | null;
  /** The current wait between probes (grows after each failed probe). */
  probeIntervalMs: number;
  /** Earliest time the next probe may go (while open). */
  nextProbeAtMs: number | null;
  /** A probe is in flight until then; after it a lost probe no longer blocks the next one. */
  probeLeaseUntilMs: number | null;
}

export interface BreakerConfig {
  /** Consecutive failed attempts that open the breaker. */
  threshold: number;
  firstProbeAfterMs: number;
  maxProbeIntervalMs: number;
  /** How long a probe may take before another may go (its result may have been lost in a crash). */
  probeLeaseMs: number;
}

export const CLOSED: BreakerState = {
  consecutiveFailures: 0,
  failingSinceMs: null,
  openedAtMs: null,
  probeIntervalMs: 0,
  nextProbeAtMs: null,
  probeLeaseUntilMs: null,
};

export type BreakerDecision =
  | { action: "send"; probe: boolean }
  /** Held back: ask again after `waitMs`. */
  | { action: "hold"; waitMs: number };

function probeInFlight(s: BreakerState, nowMs: number): boolean {
  return s.probeLeaseUntilMs !== null && nowMs < s.probeLeaseUntilMs;
}

export function circuitOf(s: BreakerState, nowMs: number): Circuit {
  if (s.openedAtMs === null) return "closed";
  if (probeInFlight(s, nowMs) || nowMs >= (s.nextProbeAtMs ?? 0)) return "half_open";
  return "open";
}

/** May a delivery go now? While open, only one probe at a time, once it is due. */
export function admit(s: BreakerState, nowMs: number, cfg: BreakerConfig): { state: BreakerState; decision: BreakerDecision } {
  if (s.openedAtMs === null) return { state: s, decision: { action: "send", probe: false } };
  if (probeInFlight(s, nowMs)) {
    // Whatever the probe's outcome, the next chance is about one probe interval away.
    return { state: s, decision: { action: "hold", waitMs: Math.max(1000, s.probeIntervalMs) } };
  }
  const due = s.nextProbeAtMs ?? nowMs;
  if (nowMs < due) return { state: s, decision: { action: "hold", waitMs: due - nowMs } };
  return { state: { ...s, probeLeaseUntilMs: nowMs + cfg.probeLeaseMs }, decision: { action: "send", probe: true } };
}

/** Records one attempt's outcome. `probe` says whether `admit` let it through as the probe. */
export function recordAttempt(s: BreakerState, ok: boolean, probe: boolean, nowMs: number, cfg: BreakerConfig): BreakerState {
  // Any success shows the receiver works again, whether it was the probe or a straggler.
  if (ok) return CLOSED;
  const failed: BreakerState = {
    ...s,
    consecutiveFailures: s.consecutiveFailures + 1,
    failingSinceMs: s.failingSinceMs ?? nowMs,
  };
  if (s.openedAtMs === null) {
    if (failed.consecutiveFailures < cfg.threshold) return failed;
    return {
      ...failed,
      openedAtMs: nowMs,
      probeIntervalMs: cfg.firstProbeAfterMs,
      nextProbeAtMs: nowMs + cfg.firstProbeAfterMs,
      probeLeaseUntilMs: null,
    };
  }
  // A failure that was not the probe (it was already in flight when the breaker opened) is only counted.
  if (!probe) return failed;
  const interval = Math.min(cfg.maxProbeIntervalMs, Math.max(cfg.firstProbeAfterMs, s.probeIntervalMs * 2));
  return { ...failed, probeIntervalMs: interval, nextProbeAtMs: nowMs + interval, probeLeaseUntilMs: null };
}
