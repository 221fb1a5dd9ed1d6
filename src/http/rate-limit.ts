import type { Env } from "../env";
import { ApiError } from "../errors";

/**
 * The window of the `API_RATE_LIMITER` binding (`[[ratelimits]]` in wrangler.toml, where the limit
 * itself is configured). The binding only answers yes or no, so `Retry-After` is one whole window:
 * an upper bound on the wait, whatever point of the window the limit was reached at. A unit test
 * keeps this equal to the period declared in wrangler.toml.
 */
export const RATE_LIMIT_PERIOD_SECONDS = 10;

/**
 * Counts one request against the API key's budget and refuses it with 429 once the budget is spent.
 * Called by the API-key middleware right after authentication, before any handler runs, so a refused
 * request has read or written nothing. The Workers Rate Limiting binding keeps its counters on the
 * Cloudflare machine that serves the request (no network round trip, no storage billed): cheap enough
 * for the ingest path, at the price of being per location and eventually consistent, not exact.
 * Without the binding (removed from wrangler.toml) there is no limit.
 */
export async function enforceApiKeyRateLimit(env: Env, keyId: string): Promise<void> {
  const limiter = env.API_RATE_LIMITER;
  if (!limiter) return;
  const { success } = await limiter.limit({ key: keyId });
  if (!success) {
    throw new ApiError(
      429,
      "rate_limited",
      `too many requests for this API key: try again in ${RATE_LIMIT_PERIOD_SECONDS} s`,
      [],
      { "Retry-After": String(RATE_LIMIT_PERIOD_SECONDS) },
    );
  }
}
