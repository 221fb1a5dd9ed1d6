import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { timingSafeEqualStrings, sha256Hex } from "../crypto/encoding";
import { findLiveKeyByPrefix } from "../db/accounts";
import { ApiError } from "../errors";
import { PORTAL_TOKEN_PREFIX } from "../domain/portal-token";
import type { AppEnv } from "./context";
import { authenticatePortalToken } from "./portal-auth";
import { enforceApiKeyRateLimit, enforceClientRateLimit } from "./rate-limit";

export const API_KEY_PREFIX = "hrk_";
export const API_KEY_LOOKUP_LENGTH = 12;

function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m ? m[1]! : null;
}

const unauthorized = (message: string) =>
  new ApiError(401, "unauthorized", message, [], { "WWW-Authenticate": 'Bearer realm="hookrouter"' });

const clientIp = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip");

/**
 * Account and key administration: the ADMIN_TOKEN secret, compared in constant time. Every admin
 * request is counted against its client address's budget first, so an address over budget cannot
 * even try a token (the one credential an operator chooses, so the one worth guessing).
 */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  await enforceClientRateLimit(c.env, clientIp(c), "admin");
  const token = bearer(c.req.header("authorization"));
  if (!token || !(await timingSafeEqualStrings(token, c.var.config.ADMIN_TOKEN))) throw unauthorized("admin token required");
  await next();
});

/**
 * An account's API key, or a portal session's token. A request refused for its credentials counts
 * against its client address's budget (429 instead of 401 once spent), so guessing keys is throttled
 * and costs us little; a request with a valid key is never refused for its address's failures, so
 * one bad client cannot lock out others behind the same address. Then the key's own rate limit.
 */
export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  try {
    await authenticate(c);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) await enforceClientRateLimit(c.env, clientIp(c), "unauthenticated");
    throw err;
  }
  await next();
});

/**
 * An API key is looked up by its public prefix, then its SHA-256 compared in constant time. Looked up
 * on every request (one indexed read) so a revoked key is refused at once, everywhere. Then the key's
 * rate limit is counted, before any handler can read or write (429 otherwise).
 */
async function authenticate(c: Context<AppEnv>): Promise<void> {
  const token = bearer(c.req.header("authorization"));
  // A portal session's token (POST /v1/portal-sessions) stands in for the key that minted it, on the
  // routes the portal uses only (src/http/portal-auth.ts).
  if (token?.startsWith(PORTAL_TOKEN_PREFIX)) return authenticatePortalToken(c, token, unauthorized);
  if (!token || !token.startsWith(API_KEY_PREFIX) || token.length < API_KEY_LOOKUP_LENGTH + 8) throw unauthorized("a valid API key is required");
  const row = await findLiveKeyByPrefix(c.var.db, token.slice(0, API_KEY_LOOKUP_LENGTH));
  if (!row || !(await timingSafeEqualStrings(await sha256Hex(token), row.keyHash))) throw unauthorized("a valid API key is required");
  c.set("accountId", row.accountId);
  c.set("keyId", row.id);
  c.set("account", row.account);
  await enforceApiKeyRateLimit(c.env, row.id);
}
