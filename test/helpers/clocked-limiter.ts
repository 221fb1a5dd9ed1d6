import { env } from "cloudflare:workers";
import type { Env } from "../../src/env";

// A Workers Rate Limiting binding on the test's clock, for the checks that need exact counts inside
// one window. Miniflare's binding counts per key in windows aligned to the wall clock
// (floor(Date.now() / period), miniflare's ratelimit-object worker), so a run of requests can straddle
// two windows however early it starts, and under load 150 requests may not fit in 10 s at all. This
// one counts the same way, but its clock only moves when the test moves it: the window turns exactly
// when the test says so. Each test file still checks the project's real binding once.

export class ClockedRateLimiter implements RateLimit {
  private nowMs = 0;
  private readonly counts = new Map<string, { window: number; count: number }>();

  constructor(
    readonly limitPerWindow: number,
    readonly periodSeconds = 10,
  ) {}

  async limit({ key }: RateLimitOptions): Promise<RateLimitOutcome> {
    const window = Math.floor(this.nowMs / (this.periodSeconds * 1000));
    const bucket = this.counts.get(key);
    const count = bucket?.window === window ? bucket.count : 0;
    if (count >= this.limitPerWindow) return { success: false };
    this.counts.set(key, { window, count: count + 1 });
    return { success: true };
  }

  /** Moves this limiter's clock on (whole windows turn when their end is reached). */
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

/** The project's real bindings, with the named rate limiters replaced by ones on the test's clock. */
export function envWithClockedLimiters(limiters: { api?: ClockedRateLimiter; auth?: ClockedRateLimiter }): Env {
  const bindings = env as unknown as Env;
  return {
    ...bindings,
    API_RATE_LIMITER: limiters.api ?? bindings.API_RATE_LIMITER,
    AUTH_RATE_LIMITER: limiters.auth ?? bindings.AUTH_RATE_LIMITER,
  };
}
