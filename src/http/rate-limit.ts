import { parseIPv6 } from "../domain/url-guard";
import type { Env } from "../env";
import { ApiError } from "../errors";

/**
 * The window of both Rate Limiting bindings (`[[ratelimits]]` in wrangler.toml, where the limits
 * themselves are configured). A binding only answers yes or no, so `Retry-After` is one whole window:
 * an upper bound on the wait, whatever point of the window the limit was reached at. A unit test
 * keeps this equal to the periods declared in wrangler.toml.
 */
export const RATE_LIMIT_PERIOD_SECONDS = 10;

/**
 * The Workers Rate Limiting binding keeps its counters on the Cloudflare machine that serves the
 * request (no network round trip, no storage billed): cheap enough for the ingest path, at the price
 * of being per location and eventually consistent, not exact. Without the binding (removed from
 * wrangler.toml) there is no limit.
 */
async function enforce(limiter: RateLimit | undefined, key: string, whose: string): Promise<void> {
  if (!limiter) return;
  const { success } = await limiter.limit({ key });
  if (!success) {
    throw new ApiError(429, "rate_limited", `too many requests ${whose}: try again in ${RATE_LIMIT_PERIOD_SECONDS} s`, [], {
      "Retry-After": String(RATE_LIMIT_PERIOD_SECONDS),
    });
  }
}

/**
 * Counts one request against the API key's budget (`API_RATE_LIMITER`) and refuses it with 429 once
 * the budget is spent. Called by the API-key middleware right after authentication, before any
 * handler runs, so a refused request has read or written nothing.
 */
export function enforceApiKeyRateLimit(env: Env, keyId: string): Promise<void> {
  return enforce(env.API_RATE_LIMITER, keyId, "for this API key");
}

/** The budget key of requests that carry no `CF-Connecting-IP` (only outside Cloudflare: local runs, tests). */
export const UNKNOWN_CLIENT = "unknown-client";

/**
 * Whose budget `enforceClientRateLimit` counts: an IPv4 client's address as Cloudflare saw it, an
 * IPv6 client's /64. One subscriber, even one host, is handed a whole /64 (often more) and may use
 * any of its 2^64 addresses: keyed by the full address, every guess could come from a fresh budget.
 */
export function clientRateLimitKey(connectingIp: string | undefined): string {
  const ip = connectingIp?.trim();
  if (!ip) return UNKNOWN_CLIENT;
  const v6 = ip.includes(":") ? parseIPv6(ip) : null;
  return v6 ? `ip6:${v6.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64` : `ip:${ip}`;
}

/**
 * Counts one request against the client address's budget (`AUTH_RATE_LIMITER`): every admin request
 * (before its token is compared, so an address over budget cannot try the token at all) and every
 * request refused for missing or wrong credentials. Over budget, 429 instead.
 */
export function enforceClientRateLimit(env: Env, connectingIp: string | undefined, counted: "admin" | "unauthenticated"): Promise<void> {
  const whose = counted === "admin" ? "to the admin API from this address" : "without valid credentials from this address";
  return enforce(env.AUTH_RATE_LIMITER, clientRateLimitKey(connectingIp), whose);
}
