import type { RequestContext } from "../context";
import { sha256Hex } from "../crypto/encoding";
import { findAccount, insertAccount, insertApiKey, updateLogSettings } from "../db/accounts";
import { nowIso, type Db } from "../db/client";
import type { AccountRow, ApiKeyRow } from "../db/schema";
import { API_KEY_LOOKUP_LENGTH, newApiKey } from "../domain/api-key";
import { FULL_GRANT, type KeyGrant } from "../domain/api-scopes";
import { newId } from "../domain/ids";
import { logOf } from "../durable/delivery-log";
import type { Env } from "../env";
import { ApiError } from "../errors";

// Accounts and their API keys, as the operator (the admin API) and an account itself (its settings)
// manage them.

/** The default of `retention_days` (the accounts table's default too). */
export const DEFAULT_RETENTION_DAYS = 30;

export async function createAccount(db: Db, input: { name: string; retention_days?: number }): Promise<AccountRow> {
  const row = { id: newId("acc"), name: input.name, createdAt: nowIso(), logShards: 1, retentionDays: input.retention_days ?? DEFAULT_RETENTION_DAYS, fanoutVersion: 0, portalSettings: null, allowUnsignedDeliveries: false };
  await insertAccount(db, row);
  return row;
}

/**
 * Mints an API key for the account: stores its lookup prefix and hash, never the key itself, which
 * is answered here once (the caller shows it to whoever asked for it).
 */
export async function mintApiKey(db: Db, accountId: string, name: string, grant: KeyGrant = FULL_GRANT): Promise<{ row: ApiKeyRow; key: string }> {
  const key = newApiKey();
  const row: ApiKeyRow = {
    id: newId("key"),
    accountId,
    name,
    prefix: key.slice(0, API_KEY_LOOKUP_LENGTH),
    keyHash: await sha256Hex(key),
    createdAt: nowIso(),
    revokedAt: null,
    scopes: grant.scopes,
    applications: grant.applications,
  };
  await insertApiKey(db, row);
  return { row, key };
}

/**
 * Changes an account's log settings (`log_shards` only ever grows: every shard an old id names must
 * stay) and tells its shards at once. Answers the account, or undefined when there is none.
 */
export async function changeLogSettings(
  ctx: Pick<RequestContext, "db" | "env">,
  accountId: string,
  change: { retention_days?: number; log_shards?: number },
): Promise<AccountRow | undefined> {
  const account = await findAccount(ctx.db, accountId);
  if (!account) return undefined;
  if (change.log_shards !== undefined && change.log_shards < account.logShards) {
    throw ApiError.unprocessable(`log_shards can only be raised (it is ${account.logShards}): records already stored stay in their shards`, "log_shards");
  }
  const updated = (await updateLogSettings(ctx.db, account.id, { retentionDays: change.retention_days, logShards: change.log_shards }))!;
  await applyLogSettings(ctx.env.DELIVERY_LOG, updated);
  return updated;
}

/** Tells every shard of an account its settings now (retention applies at the shard's next alarm). */
async function applyLogSettings(ns: Env["DELIVERY_LOG"], account: { id: string; logShards: number; retentionDays: number }): Promise<void> {
  await Promise.all(
    Array.from({ length: account.logShards }, (_, shard) => logOf(ns, account.id, shard).configure({ accountId: account.id, shard, retentionDays: account.retentionDays })),
  );
}
