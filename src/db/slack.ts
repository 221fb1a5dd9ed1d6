import { and, eq, gt, isNull, lt } from "drizzle-orm";
import type { Db } from "./client";
import { slackConnections, slackOauthStates, type SlackConnectionRow } from "./schema";

/** Records a new OAuth nonce, and drops the account's expired ones so the table does not grow. */
export async function insertOauthState(db: Db, row: { nonce: string; accountId: string; expiresAt: string }, now: string): Promise<void> {
  await db.batch([
    db.delete(slackOauthStates).where(and(eq(slackOauthStates.accountId, row.accountId), lt(slackOauthStates.expiresAt, now))),
    db.insert(slackOauthStates).values(row),
  ]);
}

/**
 * Uses a nonce up, atomically: one UPDATE that only matches an unused, unexpired nonce of this
 * account, so two callbacks racing with the same state cannot both succeed.
 */
export async function consumeOauthState(db: Db, nonce: string, accountId: string, now: string): Promise<boolean> {
  const rows = await db
    .update(slackOauthStates)
    .set({ usedAt: now })
    .where(
      and(
        eq(slackOauthStates.nonce, nonce),
        eq(slackOauthStates.accountId, accountId),
        isNull(slackOauthStates.usedAt),
        gt(slackOauthStates.expiresAt, now),
      ),
    )
    .returning({ nonce: slackOauthStates.nonce });
  return rows.length === 1;
}

export async function findSlackConnection(db: Db, accountId: string): Promise<SlackConnectionRow | undefined> {
  return db.select().from(slackConnections).where(eq(slackConnections.accountId, accountId)).get();
}

/** One connection per account: connecting again replaces the token and clears a broken status. */
export async function upsertSlackConnection(
  db: Db,
  row: { accountId: string; teamId: string; teamName: string; botUserId: string | null; tokenSealed: string },
  now: string,
): Promise<SlackConnectionRow> {
  const fresh = { teamId: row.teamId, teamName: row.teamName, botUserId: row.botUserId, tokenSealed: row.tokenSealed, status: "connected" as const, error: null, updatedAt: now };
  const rows = await db
    .insert(slackConnections)
    .values({ accountId: row.accountId, ...fresh, createdAt: now })
    .onConflictDoUpdate({ target: slackConnections.accountId, set: fresh })
    .returning();
  return rows[0]!;
}

/**
 * Marks the connection broken, but only if it still holds the token that failed: a send that was
 * in flight while the account reconnected must not break the new token.
 */
export async function markSlackConnectionBroken(db: Db, accountId: string, tokenSealed: string, error: string, now: string): Promise<void> {
  await db
    .update(slackConnections)
    .set({ status: "broken", error, updatedAt: now })
    .where(and(eq(slackConnections.accountId, accountId), eq(slackConnections.tokenSealed, tokenSealed)));
}

export async function deleteSlackConnection(db: Db, accountId: string): Promise<SlackConnectionRow | undefined> {
  const rows = await db.delete(slackConnections).where(eq(slackConnections.accountId, accountId)).returning();
  return rows[0];
}
