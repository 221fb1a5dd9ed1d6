import { and, desc, eq, getTableColumns, isNull, sql, type SQL } from "drizzle-orm";
import { preparedOnce, type Db } from "./client";
import type { PortalSettings } from "../domain/portal-settings";
import { accounts, apiKeys, eventTypes, hooks, slackConnections, slackOauthStates, type AccountRow, type ApiKeyRow } from "./schema";

export async function insertAccount(db: Db, row: AccountRow): Promise<void> {
  await db.insert(accounts).values(row);
}

export async function findAccount(db: Db, id: string): Promise<AccountRow | undefined> {
  return db.select().from(accounts).where(eq(accounts.id, id)).get();
}

export async function insertApiKey(db: Db, row: ApiKeyRow): Promise<void> {
  await db.insert(apiKeys).values(row);
}

export async function listApiKeys(db: Db, accountId: string): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.accountId, accountId)).orderBy(desc(apiKeys.id)).all();
}

/** What every authenticated request needs of its account, read with its key in one statement. */
export interface AccountSettings {
  logShards: number;
  retentionDays: number;
  fanoutVersion: number;
  allowUnsignedDeliveries: boolean;
}

const settingsColumns = {
  logShards: accounts.logShards,
  retentionDays: accounts.retentionDays,
  fanoutVersion: accounts.fanoutVersion,
  allowUnsignedDeliveries: accounts.allowUnsignedDeliveries,
};

/** The live key `which` picks, with its account's settings, in one statement. */
function liveKeyWithAccount(db: Db, which: SQL) {
  return db
    .select({ ...getTableColumns(apiKeys), account: settingsColumns })
    .from(apiKeys)
    .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
    .where(and(which, isNull(apiKeys.revokedAt)));
}

/**
 * A live key by its public prefix, with its account's settings; the caller compares the hash. Every
 * authenticated request runs it: built once per client.
 */
export function findLiveKeyByPrefix(db: Db, prefix: string): Promise<(ApiKeyRow & { account: AccountSettings }) | undefined> {
  const query = preparedOnce(db, "live-key-by-prefix", () => liveKeyWithAccount(db, eq(apiKeys.prefix, sql.placeholder("prefix"))).prepare());
  return query.get({ prefix });
}

/** One of the account's keys, live or revoked. */
export async function findApiKey(db: Db, accountId: string, keyId: string): Promise<ApiKeyRow | undefined> {
  return db.select().from(apiKeys).where(and(eq(apiKeys.id, keyId), eq(apiKeys.accountId, accountId))).get();
}

export async function revokeApiKey(db: Db, accountId: string, keyId: string, at: string): Promise<ApiKeyRow | undefined> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.accountId, accountId), isNull(apiKeys.revokedAt)))
    .returning();
  return rows[0];
}

/** A live key by id (a portal session names the key that minted it), with its account's settings. */
export function findLiveKeyById(db: Db, id: string): Promise<(ApiKeyRow & { account: AccountSettings }) | undefined> {
  return liveKeyWithAccount(db, eq(apiKeys.id, id)).get();
}

/** Sets (or, with null, clears) an account's portal settings. */
export async function updatePortalSettings(db: Db, id: string, settings: PortalSettings | null): Promise<void> {
  await db.update(accounts).set({ portalSettings: settings }).where(eq(accounts.id, id));
}

/** Sets an account's log settings (admin); answers the account's row, or undefined. */
export async function updateLogSettings(db: Db, id: string, set: Partial<Pick<AccountRow, "logShards" | "retentionDays">>): Promise<AccountRow | undefined> {
  const changes = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined));
  if (Object.keys(changes).length === 0) return findAccount(db, id);
  return (await db.update(accounts).set(changes).where(eq(accounts.id, id)).returning())[0];
}

/**
 * Deletes an account's management data in one atomic batch (keys first, so nothing authenticates
 * half-way; the account row last: the foreign keys point at it). Answers the hooks it had, whose
 * Durable Objects the caller clears.
 */
export async function deleteAccountRows(db: Db, id: string): Promise<{ account: AccountRow; hookIds: string[] } | undefined> {
  const account = await findAccount(db, id);
  if (!account) return undefined;
  const hookIds = (await db.select({ id: hooks.id }).from(hooks).where(eq(hooks.accountId, id)).all()).map((h) => h.id);
  await db.batch([
    db.delete(apiKeys).where(eq(apiKeys.accountId, id)),
    db.delete(hooks).where(eq(hooks.accountId, id)),
    db.delete(eventTypes).where(eq(eventTypes.accountId, id)),
    db.delete(slackConnections).where(eq(slackConnections.accountId, id)),
    db.delete(slackOauthStates).where(eq(slackOauthStates.accountId, id)),
    db.delete(accounts).where(eq(accounts.id, id)),
  ]);
  return { account, hookIds };
}

/**
 * Allows or stops unsigned deliveries for an account. Stopping them signs every hook of the account
 * again, in the same transaction (each still has its secret): no hook can stay unsigned in an account
 * that does not allow it, and a receiver that ignored signatures is not affected.
 */
export async function setUnsignedDeliveries(db: Db, id: string, allow: boolean): Promise<AccountRow | undefined> {
  const update = db.update(accounts).set({ allowUnsignedDeliveries: allow }).where(eq(accounts.id, id)).returning();
  if (allow) return (await update)[0];
  const [rows] = await db.batch([update, db.update(hooks).set({ signed: true }).where(and(eq(hooks.accountId, id), eq(hooks.signed, false)))]);
  return rows[0];
}
