import { and, eq, sql, type Column, type SQL } from "drizzle-orm";
import { hooks } from "./schema";

// A portal session scoped to applications sees the hooks scoped to some of them and to none other
// (the SQL twin of `hookWithinScope` in src/domain/portal-access.ts), and only those hooks' deliveries.

/** True for the hooks within `scope`; NULL applications (site-level, fallback) make it false. */
export function hookWithinScopeSql(scope: string[]): SQL {
  return sql`(json_array_length(${hooks.applications}) > 0 and not exists (select 1 from json_each(${hooks.applications}) where json_each.value not in (select value from json_each(${JSON.stringify(scope)}))))`;
}

/** True for the rows whose `hookIdColumn` names a hook of the account within `scope`. */
export function hookIdWithinScopeSql(hookIdColumn: Column, accountId: string, scope: string[]): SQL {
  return sql`${hookIdColumn} in (select ${hooks.id} from ${hooks} where ${and(eq(hooks.accountId, accountId), hookWithinScopeSql(scope))})`;
}
