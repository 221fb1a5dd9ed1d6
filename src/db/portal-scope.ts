import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { hooks } from "./schema";

// A portal session scoped to applications sees the hooks scoped to some of them and to none other
// (the SQL twin of `hookWithinScope` in src/domain/portal-access.ts), and only those hooks' deliveries.

/** True for the hooks within `scope`; NULL applications (site-level, fallback) make it false. */
export function hookWithinScopeSql(scope: string[]): SQL {
  return sql`(json_array_length(${hooks.applications}) > 0 and not exists (select 1 from json_each(${hooks.applications}) where json_each.value not in (select value from json_each(${JSON.stringify(scope)}))))`;
}

/** The ids of the account's hooks within `scope` (the delivery log filters by them). */
export async function hookIdsWithinScope(db: Db, accountId: string, scope: string[]): Promise<string[]> {
  const rows = await db.select({ id: hooks.id }).from(hooks).where(and(eq(hooks.accountId, accountId), hookWithinScopeSql(scope))).all();
  return rows.map((r) => r.id);
}
