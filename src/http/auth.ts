import { createMiddleware } from "hono/factory";
import { timingSafeEqualStrings, sha256Hex } from "../crypto/encoding";
import { findLiveKeyByPrefix } from "../db/accounts";
import { ApiError } from "../errors";
import { PORTAL_TOKEN_PREFIX } from "../domain/portal-token";
import type { AppEnv } from "./context";
import { authenticatePortalToken } from "./portal-auth";
import { enforceApiKeyRateLimit } from "./rate-limit";

export const API_KEY_PREFIX = "hrk_";
export const API_KEY_LOOKUP_LENGTH = 12;

function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m ? m[1]! : null;
}

const unauthorized = (message: string) =>
  new ApiError(401, "unauthorized", message, [], { "WWW-Authenticate": 'Bearer realm="hookrouter"' });

/** Account and key administration: the ADMIN_TOKEN secret, compared in constant time. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearer(c.req.header("authorization"));
  if (!token || !(await timingSafeEqualStrings(token, c.var.config.ADMIN_TOKEN))) throw unauthorized("admin token required");
  await next();
});

/**
 * An account's API key: looked up by its public prefix, then its SHA-256 compared in constant time.
 * Looked up on every request (one indexed read) so a revoked key is refused at once, everywhere.
 * Then the key's rate limit is counted, before any handler can read or write (429 otherwise).
 */
export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearer(c.req.header("authorization"));
  // A portal session's token (POST /v1/portal-sessions) stands in for the key that minted it, on the
  // routes the portal uses only (src/http/portal-auth.ts).
  if (token?.startsWith(PORTAL_TOKEN_PREFIX)) {
    await authenticatePortalToken(c, token, unauthorized);
    return next();
  }
  if (!token || !token.startsWith(API_KEY_PREFIX) || token.length < API_KEY_LOOKUP_LENGTH + 8) throw unauthorized("a valid API key is required");
  const row = await findLiveKeyByPrefix(c.var.db, token.slice(0, API_KEY_LOOKUP_LENGTH));
  if (!row || !(await timingSafeEqualStrings(await sha256Hex(token), row.keyHash))) throw unauthorized("a valid API key is required");
  c.set("accountId", row.accountId);
  c.set("keyId", row.id);
  await enforceApiKeyRateLimit(c.env, row.id);
  await next();
});
