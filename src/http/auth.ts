import type { Context } from "hono";
import type { AccountContext, RequestContext } from "../context";
import { timingSafeEqualStrings, sha256Hex } from "../crypto/encoding";
import { findLiveKeyByPrefix } from "../db/accounts";
import { apiKeyLookupPrefix } from "../domain/api-key";
import { grantOf } from "../domain/api-scopes";
import { ApiError } from "../errors";
import { PORTAL_TOKEN_PREFIX } from "../domain/portal-token";
import { accountContext, type AppEnv } from "./context";
import { authenticatePortalToken } from "./portal-auth";
import { enforceApiKeyRateLimit, enforceClientRateLimit } from "./rate-limit";

// The credentials themselves. Which one a route takes is declared with the route (./route.ts).

function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m ? m[1]! : null;
}

const clientIp = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip");

/**
 * Account and key administration: the ADMIN_TOKEN secret, compared in constant time. Every admin
 * request is counted against its client address's budget first, so an address over budget cannot
 * even try a token (the one credential an operator chooses, so the one worth guessing).
 */
export async function requireAdminToken(c: Context<AppEnv>, ctx: RequestContext): Promise<void> {
  await enforceClientRateLimit(c.env, clientIp(c), "admin");
  const token = bearer(c.req.header("authorization"));
  if (!token || !(await timingSafeEqualStrings(token, ctx.config.ADMIN_TOKEN))) throw ApiError.unauthorized("admin token required");
}

/**
 * An account's API key, or a portal session's token: the request's context with its account. A
 * request refused for its credentials counts against its client address's budget (429 instead of
 * 401 once spent), so guessing keys is throttled and costs us little; a request with a valid key is
 * never refused for its address's failures, so one bad client cannot lock out others behind the same
 * address. Then the key's own rate limit.
 */
export async function authenticateAccount(c: Context<AppEnv>, ctx: RequestContext): Promise<AccountContext> {
  try {
    return await authenticate(c, ctx);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) await enforceClientRateLimit(c.env, clientIp(c), "unauthenticated");
    throw err;
  }
}

/**
 * An API key is looked up by its public prefix, then its SHA-256 compared in constant time. Looked up
 * on every request (one indexed read) so a revoked key is refused at once, everywhere. Then the key's
 * rate limit is counted, before any handler can read or write (429 otherwise).
 */
async function authenticate(c: Context<AppEnv>, ctx: RequestContext): Promise<AccountContext> {
  const token = bearer(c.req.header("authorization"));
  // A portal session's token (POST /v1/portal-sessions) stands in for the key that minted it, on the
  // routes the portal uses only (./portal-auth.ts).
  if (token?.startsWith(PORTAL_TOKEN_PREFIX)) return authenticatePortalToken(c, ctx, token);
  const lookup = token ? apiKeyLookupPrefix(token) : null;
  if (!token || !lookup) throw ApiError.unauthorized("a valid API key is required");
  const row = await findLiveKeyByPrefix(ctx.db, lookup);
  if (!row || !(await timingSafeEqualStrings(await sha256Hex(token), row.keyHash))) throw ApiError.unauthorized("a valid API key is required");
  await enforceApiKeyRateLimit(c.env, row.id);
  return accountContext(ctx, { accountId: row.accountId, keyId: row.id, account: row.account, grant: grantOf(row) });
}
