import type { AccountContext } from "../context";
import { findApiKey, revokeApiKey } from "../db/accounts";
import { nowIso, type Db } from "../db/client";
import type { ApiKeyRow } from "../db/schema";
import { grantExceeds, grantOf, requestedGrant, type ApiScope } from "../domain/api-scopes";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { mintApiKey } from "./accounts";
import { disconnectKey } from "./tunnels";

// An account's keys as the account itself manages them (/v1/keys): a key mints and revokes only
// keys that can do no more than it can (its scopes, its applications), so a scoped key never yields
// a stronger one. The admin API (/v1/accounts/{id}/keys) is not bound by this.

type KeyManager = Pick<AccountContext, "db" | "accountId" | "grant">;

/** A new key of the caller's account, its grant within the caller's (403 otherwise); the key is answered once. */
export async function mintOwnKey(ctx: KeyManager, asked: { name: string; scopes?: ApiScope[]; applications?: string[] }): Promise<{ row: ApiKeyRow; key: string }> {
  const grant = requestedGrant(asked, ctx.grant);
  const exceeds = grantExceeds(grant, ctx.grant);
  if (exceeds) throw ApiError.forbidden(`a key cannot be minted stronger than the one minting it: ${exceeds.message}`, exceeds.path);
  return mintApiKey(ctx.db, ctx.accountId, asked.name, grant);
}

/** Revokes one of the caller's account's keys, one no stronger than the caller (403 otherwise); another account's is 404. */
export async function revokeOwnKey(ctx: KeyManager & Pick<AccountContext, "env">, keyId: string): Promise<ApiKeyRow> {
  const target = await findApiKey(ctx.db, ctx.accountId, keyId);
  if (!target || target.revokedAt !== null) throw ApiError.notFound("API key");
  const exceeds = grantExceeds(grantOf(target), ctx.grant);
  if (exceeds) throw ApiError.forbidden(`a key cannot revoke one stronger than itself: ${exceeds.message}`, exceeds.path);
  return revokeKey(ctx.db, ctx.env, ctx.accountId, keyId);
}

/** Revokes a key (401 from then on) and closes the tunnels it opened; 404 when it is not a live key of the account. */
export async function revokeKey(db: Db, env: Pick<Env, "TUNNEL">, accountId: string, keyId: string): Promise<ApiKeyRow> {
  const revoked = await revokeApiKey(db, accountId, keyId, nowIso());
  if (!revoked) throw ApiError.notFound("API key");
  await disconnectKey(db, env.TUNNEL, accountId, keyId);
  return revoked;
}
