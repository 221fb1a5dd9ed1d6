import { and, eq, gte, inArray, sql, type SQL } from "drizzle-orm";
import type { CountRow } from "../domain/delivery-stats";
import { OUTCOMES } from "../domain/delivery-stats";
import type { Db } from "./client";
import { hookIdWithinScopeSql } from "./portal-scope";
import { deliveries } from "./schema";

// Counts of deliveries per (hour, hook, status) since an hour's start, in one GROUP BY each, read
// from an index alone (test/api/stats.test.ts checks the plans at 100,000 rows):
// - the account: deliveries_account_hour_hook (account_id, substr(created_at, 1, 13), hook_id,
//   status, created_at): a range of hours already in GROUP BY order, so the rows are not sorted either;
// - one hook: deliveries_hook_status (hook_id, status, created_at), one range per status.

const hour = sql<string>`substr(${deliveries.createdAt}, 1, 13)`;

function countQuery(db: Db, where: SQL) {
  return db
    .select({ hour, hookId: deliveries.hookId, status: deliveries.status, n: sql<number>`count(*)` })
    .from(deliveries)
    .where(where)
    .groupBy(hour, deliveries.hookId, deliveries.status);
}

/** The caller has checked that the hook is the account's: a hook id names one account's deliveries only. */
export function hookCountsQuery(db: Db, hookId: string, since: string) {
  // `status in (all)` is no filter, but lets SQLite seek each status's range of created_at in the index.
  return countQuery(db, and(eq(deliveries.hookId, hookId), inArray(deliveries.status, [...OUTCOMES]), gte(deliveries.createdAt, since))!);
}

/** `since` is an hour's start, so comparing hours is comparing times (and ranges over the index). */
export function accountCountsQuery(db: Db, accountId: string, since: string, withinApplications?: string[] | null) {
  const where = [eq(deliveries.accountId, accountId), gte(hour, since.slice(0, 13))];
  if (withinApplications) where.push(hookIdWithinScopeSql(deliveries.hookId, accountId, withinApplications));
  return countQuery(db, and(...where)!);
}

export async function countDeliveries(query: ReturnType<typeof countQuery>): Promise<CountRow[]> {
  return (await query.all()) as CountRow[];
}
