import { env } from "cloudflare:workers";
import type { BatchItem } from "drizzle-orm/batch";

// SQLite's plan for a query, as `explain query plan` words it, one step a line: what the plan tests
// (test/api/query-plans.test.ts, test/api/stats.test.ts) match against.

/** A statement built (drizzle) but not run. */
export interface BuiltQuery {
  toSQL(): { sql: string; params: unknown[] };
}

export async function explain(sql: string, params: unknown[]): Promise<string> {
  const rows = (await env.DB.prepare(`explain query plan ${sql}`).bind(...params).all<{ detail: string }>()).results;
  return rows.map((r) => r.detail).join("\n");
}

/** The plans of statements built but not run (a query, or a write batch's parts). */
export async function plansOfBuilt(items: readonly (BuiltQuery | BatchItem<"sqlite">)[]): Promise<string> {
  // A batch item is one of drizzle's query builders, each with toSQL(); its type does not say so.
  const built = items.map((i) => (i as BuiltQuery).toSQL());
  return (await Promise.all(built.map((b) => explain(b.sql, b.params)))).join("\n");
}
