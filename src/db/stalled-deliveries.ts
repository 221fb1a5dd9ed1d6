import { and, asc, eq, gt, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "./client";
import { deliveries } from "./schema";

// The sweeper's queries (src/delivery/sweeper.ts). They walk the primary key: delivery ids are ULIDs,
// so a range of ids is a range of creation times, and no index is added for the sweep (every index
// entry is a row written per delivery).

export interface StalledRange {
  /** Ids strictly between these two (creation times between the window's start and the grace). */
  afterId: string;
  beforeId: string;
  /** A `message_token` below this (a ULID's time part) was set before the grace began. */
  sentBefore: string;
}

export interface ClaimedDelivery {
  id: string;
  accountId: string;
  attempts: number;
}

/**
 * Up to `limit` pending deliveries of the range whose queue message went out before the grace (at
 * creation: no token; or with a token older than the grace), lowest ids first, take `token` in one
 * statement: the new message they are sent is then the only one the consumer will act on.
 */
export async function claimStalledDeliveries(db: Db, range: StalledRange, token: string, now: string, limit: number): Promise<ClaimedDelivery[]> {
  const stalled = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(
      and(
        gt(deliveries.id, range.afterId),
        lt(deliveries.id, range.beforeId),
        eq(deliveries.status, "pending"),
        or(isNull(deliveries.messageToken), lt(deliveries.messageToken, range.sentBefore)),
      ),
    )
    .orderBy(asc(deliveries.id))
    .limit(limit);
  return db
    .update(deliveries)
    .set({ messageToken: token, updatedAt: now })
    .where(inArray(deliveries.id, stalled))
    .returning({ id: deliveries.id, accountId: deliveries.accountId, attempts: deliveries.attempts });
}

/**
 * Sorts before every ULID: a delivery whose new message could not be sent gets it, so the next sweep
 * takes it again at once; no message carries it.
 */
export const UNSENT_TOKEN = "0";

/** After the queue refused a claimed page: its deliveries are swept again next time. One statement. */
export async function releaseStalledClaim(db: Db, ids: string[], token: string): Promise<void> {
  if (ids.length === 0) return;
  await db.run(sql`update ${deliveries} set message_token = ${UNSENT_TOKEN}
    where ${deliveries.messageToken} = ${token} and ${deliveries.id} in (select value from json_each(${JSON.stringify(ids)}))`);
}
