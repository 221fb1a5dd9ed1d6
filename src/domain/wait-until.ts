// How much work may follow a Worker's answer: waitUntil lets it go on for 30 s, then cancels it.

/** How long waitUntil lets work go on after the answer. */
const WAIT_UNTIL_MS = 30_000;
/** What a round of first attempts needs beside its sends: the hooks' read, the outcomes' write, the reports. */
const ROUND_OVERHEAD_MS = 5_000;

/**
 * Whether a round of sends started `elapsedMs` after the first one can end within waitUntil, a
 * receiver hanging for the whole timeout included (src/delivery/first-attempt.ts).
 */
export function roundFits(elapsedMs: number, deliveryTimeoutMs: number): boolean {
  return elapsedMs + deliveryTimeoutMs + ROUND_OVERHEAD_MS <= WAIT_UNTIL_MS;
}
