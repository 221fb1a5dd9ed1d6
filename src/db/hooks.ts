import { and, desc, eq, gt, lt, ne, sql, type SQL } from "drizzle-orm";
import { isOperationalEventType } from "../domain/operational-events";
import type { Db } from "./client";
import { hookWithinScopeSql } from "./portal-scope";
import { hooks, type HookRow, type NewHookRow } from "./schema";

export interface HookFilters {
  state?: HookRow["state"];
  enabled?: boolean;
  event?: string;
  application?: string;
  kind?: HookRow["kind"];
  phase?: HookRow["phase"];
  createdAfter?: string;
  createdBefore?: string;
  /** A portal session's applications: only the hooks within them (src/db/portal-scope.ts). */
  withinApplications?: string[] | null;
}

/** A row to write: a column may also be an SQL expression, evaluated in the write's own statement. */
export type HookWrite = { [K in keyof NewHookRow]: NewHookRow[K] | SQL };

export async function insertHook(db: Db, row: HookWrite): Promise<HookRow> {
  const rows = await db.insert(hooks).values(row).returning();
  return rows[0]!;
}

export async function findHook(db: Db, accountId: string, id: string): Promise<HookRow | undefined> {
  return db.select().from(hooks).where(and(eq(hooks.id, id), eq(hooks.accountId, accountId))).get();
}

export async function findHookByName(db: Db, accountId: string, name: string): Promise<HookRow | undefined> {
  return db.select().from(hooks).where(and(eq(hooks.accountId, accountId), eq(hooks.name, name))).get();
}

/** Every hook of an account: the input of the matching function (fan-out, gates, /active). */
export async function listAllHooks(db: Db, accountId: string): Promise<HookRow[]> {
  return db.select().from(hooks).where(eq(hooks.accountId, accountId)).all();
}

/**
 * One page, newest first, keyed by id (ids are time-ordered). Event subscription is matched in SQL
 * with GLOB: a subscription pattern's only wildcard is `*`, which GLOB reads the same way, and the
 * pattern alphabet has none of GLOB's other special characters.
 */
export async function listHooksPage(db: Db, accountId: string, f: HookFilters, limit: number, cursor?: string): Promise<HookRow[]> {
  const where: SQL[] = [eq(hooks.accountId, accountId)];
  if (cursor) where.push(lt(hooks.id, cursor));
  if (f.state) where.push(eq(hooks.state, f.state));
  else where.push(ne(hooks.state, "deactivated")); // retired hooks are hidden unless asked for
  if (f.enabled !== undefined) where.push(eq(hooks.enabled, f.enabled));
  if (f.kind) where.push(eq(hooks.kind, f.kind));
  if (f.phase) where.push(eq(hooks.phase, f.phase));
  if (f.createdAfter) where.push(gt(hooks.createdAt, f.createdAfter));
  if (f.createdBefore) where.push(lt(hooks.createdAt, f.createdBefore));
  if (f.withinApplications) where.push(hookWithinScopeSql(f.withinApplications));
  if (f.application) {
    where.push(sql`exists (select 1 from json_each(${hooks.applications}) where json_each.value = ${f.application})`);
  }
  if (f.event && isOperationalEventType(f.event)) {
    // hookrouter's own events reach only subscriptions of their namespace (src/domain/operational-events.ts).
    where.push(sql`exists (select 1 from json_each(${hooks.events}) where lower(json_each.value) like 'hookrouter.%' and ${f.event} glob json_each.value)`);
  } else if (f.event) {
    where.push(
      sql`(json_array_length(${hooks.events}) = 0 or exists (select 1 from json_each(${hooks.events}) where ${f.event} glob json_each.value))`,
    );
  }
  return db
    .select()
    .from(hooks)
    .where(and(...where))
    .orderBy(desc(hooks.id))
    .limit(limit)
    .all();
}

export async function updateHook(db: Db, accountId: string, id: string, set: Partial<HookWrite>): Promise<HookRow | undefined> {
  const rows = await db
    .update(hooks)
    .set(set)
    .where(and(eq(hooks.id, id), eq(hooks.accountId, accountId)))
    .returning();
  return rows[0];
}

export async function deleteHook(db: Db, accountId: string, id: string): Promise<HookRow | undefined> {
  const rows = await db.delete(hooks).where(and(eq(hooks.id, id), eq(hooks.accountId, accountId))).returning();
  return rows[0];
}

/**
 * Records a test's outcome (`valid`/`invalid`) unless, since `tested` was read, the hook was retired
 * or changed at all (every change but an enable or disable has its own test coming: see patchHook;
 * `updated_at` moves with each).
 */
export async function setTestedState(db: Db, tested: HookRow, state: "valid" | "invalid", now: string): Promise<HookRow | undefined> {
  const rows = await db
    .update(hooks)
    .set({ state, updatedAt: now })
    .where(and(eq(hooks.id, tested.id), eq(hooks.accountId, tested.accountId), ne(hooks.state, "deactivated"), eq(hooks.updatedAt, tested.updatedAt)))
    .returning();
  return rows[0];
}
