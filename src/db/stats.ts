import { and, eq, gte, sql, type SQL } from "drizzle-orm";
import type { CountRow } from "../domain/delivery-stats";
import type { Db } from "./client";
import { hookIdWithinScopeSql } from "./portal-scope";
import { deliveries } from "./schema";

// Counts of deliveries per (hour, hook, status), in one GROUP BY each, read from one index alone,
// deliveries_account_hour_hook (account_id, substr(created_at, 1, 13), hook_id, status, created_at),
// already in GROUP BY order, so the rows are not sorted either (test/api/stats.test.ts checks the
// plans at 100,000 deliveries):
// - the account: a range of hours;
// - one hook: one seek per hour of the window, to that hook's entries of the hour (an index range
//   over the hours would read every hook's entries).
// A hook's recover (findRecoverable in ./deliveries.ts) seeks the same way. No other index holds
// `status`: each one would cost a row written at every status change.

/** The hour a delivery was created in, as the index holds it: `2026-11-23T10`. */
const createdHour = sql<string>`substr(${deliveries.createdAt}, 1, 13)`;

/** Created in one of these hours (given by their starts, ISO): one index seek each. */
export function createdInHours(hourStarts: string[]): SQL {
  return sql`${createdHour} in (select value from json_each(${JSON.stringify(hourStarts.map((h) => h.slice(0, 13)))}))`;
}

function countQuery(db: Db, where: SQL) {
  return db
    .select({ hour: createdHour, hookId: deliveries.hookId, status: deliveries.status, n: sql<number>`count(*)` })
    .from(deliveries)
    .where(where)
    .groupBy(createdHour, deliveries.hookId, deliveries.status);
}

/** The caller has checked that the hook is the account's. `hourStarts`: the window's hours. */
export function hookCountsQuery(db: Db, accountId: string, hookId: string, hourStarts: string[]) {
  return countQuery(db, and(eq(deliveries.accountId, accountId), createdInHours(hourStarts), eq(deliveries.hookId, hookId))!);
}

/** `since` is an hour's start, so comparing hours is comparing times (and ranges over the index). */
export function accountCountsQuery(db: Db, accountId: string, since: string, withinApplications?: string[] | null) {
  const where = [eq(deliveries.accountId, accountId), gte(createdHour, since.slice(0, 13))];
  if (withinApplications) where.push(hookIdWithinScopeSql(deliveries.hookId, accountId, withinApplications));
  return countQuery(db, and(...where)!);
}

export async function countDeliveries(query: ReturnType<typeof countQuery>): Promise<CountRow[]> {
  return (await query.all()) as CountRow[];
}
