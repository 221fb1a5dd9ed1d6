import type { Api } from "../lib/api";
import type { BenchReceiver } from "../lib/receiver";
import { pool, round, worstOneSecondWindow } from "../lib/stats";

// (4) Rate limit: a hook limited to `perSecond` gets perSecond × seconds events at once; the
// receiver's arrivals are measured over the whole drain: their rate, and the most that fell in any
// one-second window (the limit is kept when that is perSecond, +1 for a window's boundary).

export interface RateLimitResult {
  limitPerSecond: number;
  events: number;
  received: number;
  receivedPerSecond: number;
  worstOneSecond: number;
  drainSeconds: number;
}

export async function measureRateLimit(api: Api, rx: BenchReceiver, perSecond: number, seconds: number, timeoutMs: number): Promise<RateLimitResult> {
  const { key } = await api.newAccount("bench-ratelimit");
  await api.createHook(key, { url: rx.url("limited"), events: ["bench.limited"], rate_limit_per_second: perSecond });
  const events = perSecond * seconds;
  await pool(events, 8, async (i) => {
    await api.publish(key, "bench.limited", { seq: i, sent_at: Date.now() });
  });
  const got = await rx.waitFor("limited", events, timeoutMs);
  const distinct = new Set(got.map((r) => r.webhookId));
  const times = got.map((r) => r.at);
  const span = (Math.max(...times) - Math.min(...times)) / 1000;
  return {
    limitPerSecond: perSecond,
    events,
    received: distinct.size,
    // n arrivals span n-1 intervals.
    receivedPerSecond: round((times.length - 1) / span, 1),
    worstOneSecond: worstOneSecondWindow(times),
    drainSeconds: round(span, 1),
  };
}
