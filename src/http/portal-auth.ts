import type { Context } from "hono";
import type { AccountContext, RequestContext } from "../context";
import { findLiveKeyById } from "../db/accounts";
import { findHook } from "../db/hooks";
import type { Db } from "../db/client";
import { grantOf } from "../domain/api-scopes";
import { hookWithinScope, portalTarget, type PortalTarget } from "../domain/portal-access";
import { portalTokenKey, verifyPortalToken } from "../domain/portal-token";
import type { Config } from "../env";
import { ApiError } from "../errors";
import type { AccountLog } from "../services/account-log";
import { accountContext, type AppEnv } from "./context";
import { enforceApiKeyRateLimit } from "./rate-limit";

// The portal-token branch of the API-key middleware (src/http/auth.ts). A portal call is authorised
// like an API call of the key that minted the session (that key must still be live), then narrowed:
// only the routes the portal uses, and for a session scoped to applications only their hooks.

const keys = new WeakMap<Config, Promise<CryptoKey>>();

/** The portal MAC key, derived once per isolate and configuration. */
export function portalKeyFor(config: Config): Promise<CryptoKey> {
  let key = keys.get(config);
  if (!key) {
    key = portalTokenKey(config.ENCRYPTION_KEY);
    keys.set(config, key);
  }
  return key;
}

/** Rate-limit key of portal calls: the minting key's own budget, apart from its API calls, so a person browsing cannot starve the producer's ingest. */
export const portalRateLimitKey = (keyId: string) => `portal:${keyId}`;

export async function authenticatePortalToken(c: Context<AppEnv>, base: RequestContext, token: string): Promise<AccountContext> {
  const verdict = await verifyPortalToken(await portalKeyFor(base.config), token, Date.now());
  if (!verdict.ok) {
    throw ApiError.unauthorized(verdict.reason === "expired" ? "the portal session has expired: open a new portal link" : "a valid API key or portal token is required");
  }
  const { accountId, keyId, applications, expiresAt } = verdict.claims;
  const target = portalTarget(c.req.method, c.req.path);
  if (!target) throw ApiError.unauthorized(`a portal session cannot call ${c.req.method} ${c.req.path}: use an API key`);
  const key = await findLiveKeyById(base.db, keyId);
  if (!key || key.accountId !== accountId) throw ApiError.unauthorized("the API key that opened this portal session has been revoked");
  const ctx = accountContext(base, { accountId, keyId, account: key.account, grant: grantOf(key), portal: { applications, expiresAt } });
  await enforceApiKeyRateLimit(c.env, portalRateLimitKey(keyId));
  if (applications) await requireWithinScope(ctx.db, ctx.log, applications, target);
  return ctx;
}

/** A hook or delivery outside the session's applications answers 404, as another account's does. */
async function requireWithinScope(db: Db, log: AccountLog, scope: string[], target: PortalTarget): Promise<void> {
  if (target.kind === "account") return; // lists and stats narrow themselves (ctx.portal)
  let hookId = target.id;
  if (target.kind === "delivery") {
    const found = await log.findDelivery(target.id);
    if (!found) throw ApiError.notFound("delivery");
    hookId = found.delivery.hookId;
  }
  const hook = await findHook(db, log.accountId, hookId);
  if (!hook || !hookWithinScope(hook.applications ?? null, scope)) throw ApiError.notFound(target.kind);
}
