import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "./client";
import { accounts, apiKeys, type AccountRow, type ApiKeyRow } from "./schema";

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

/** A live key by its public prefix; the caller compares the hash. */
export async function findLiveKeyByPrefix(db: Db, prefix: string): Promise<ApiKeyRow | undefined> {
  return db.select().from(apiKeys).where(and(eq(apiKeys.prefix, prefix), isNull(apiKeys.revokedAt))).get();
}

export async function revokeApiKey(db: Db, accountId: string, keyId: string, at: string): Promise<ApiKeyRow | undefined> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.accountId, accountId), isNull(apiKeys.revokedAt)))
    .returning();
  return rows[0];
}

/** A live key by id (a portal session names the key that minted it). */
export async function findLiveKeyById(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  return db.select().from(apiKeys).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).get();
}
