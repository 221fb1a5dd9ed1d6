// Small statistics for the bench's tables.

/** The p-th percentile (0..100) by nearest rank; NaN for no samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The most events that fall in any one-second window [t, t + 1000) starting at an event. */
export function worstOneSecondWindow(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let worst = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi]! - t[lo]! >= 1000) lo++;
    worst = Math.max(worst, hi - lo + 1);
  }
  return worst;
}

export function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `task(i)` for i in 0..count-1 with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * Calls `task(i)` for i in 0..count-1 at `perSecond`, on schedule (a slow call does not delay the
 * next one), with at most `maxInFlight` calls outstanding: a server that cannot keep up makes the
 * run fall behind schedule (the caller reports the rate achieved) rather than pile up requests.
 */
export async function paced(count: number, perSecond: number, task: (i: number) => Promise<void>, maxInFlight = 64): Promise<void> {
  const start = Date.now();
  const inFlight = new Set<Promise<void>>();
  const errors: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / perSecond - Date.now();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    const p: Promise<void> = task(i)
      .catch((e: unknown) => void errors.push(e))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  if (errors.length > 0) throw errors[0];
}
