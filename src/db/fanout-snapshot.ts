import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "./client";
import { matchableHooks } from "./events";
import { accounts, eventTypes } from "./schema";

// What fan-out reads of an account (its hooks' matching columns and its event-type catalog), with a
// fingerprint of exactly that data computed by SQLite, so that a copy kept in isolate memory can be
// checked inside the very transaction that writes the event (see `fingerprintGuard`).

/**
 * Every column that decides which hooks an event reaches (`selectHooks`, src/domain/matching.ts),
 * and every catalog entry, as one text: any change to them changes it. Computed the same way when
 * the snapshot is read and when it is checked, so the two are comparable byte for byte.
 */
function fingerprintOf(accountId: string) {
  return sql`(select count(*) || ':' || coalesce(group_concat(h, char(10)), '') from (
      select id || ' ' || events || ' ' || coalesce(applications, '-') || ' ' || fallback || ' ' || phase || ' ' || enabled || ' ' || state as h
      from hooks where account_id = ${accountId} order by id))
    || char(30) || (select count(*) || ':' || coalesce(group_concat(t, char(10)), '') from (
      select name || ' ' || application_level as t from event_types where account_id = ${accountId} order by name))`;
}

/** The account's whole catalog (names and whether they are application-level). */
export function catalogEntries(db: Db, accountId: string) {
  return db
    .select({ name: eventTypes.name, applicationLevel: eventTypes.applicationLevel })
    .from(eventTypes)
    .where(eq(eventTypes.accountId, accountId))
    .orderBy(asc(eventTypes.name));
}

/** The three reads of a snapshot, for one `db.batch` (one round trip). */
export function snapshotReads(db: Db, accountId: string) {
  const fingerprint = db.select({ fingerprint: sql<string>`${fingerprintOf(accountId)}` }).from(accounts).where(eq(accounts.id, accountId));
  return [catalogEntries(db, accountId), matchableHooks(db, accountId), fingerprint] as const;
}

/** The message SQLite raises when the guard finds the data changed (json() of a non-JSON text). */
const STALE = "malformed JSON";

/**
 * A statement for the head of a write batch that fails — aborting the whole batch, which D1 runs as
 * one transaction — unless the account's fan-out data still has this fingerprint. SQLite has no
 * RAISE outside triggers, so the failure is json() of a text that is not JSON; its argument depends
 * on the data, so SQLite cannot evaluate it ahead of the comparison.
 */
export function fingerprintGuard(db: Db, accountId: string, fingerprint: string) {
  return db
    .select({ fresh: sql`json(iif(${fingerprintOf(accountId)} = ${fingerprint}, '0', 'stale'))` })
    .from(accounts)
    .where(eq(accounts.id, accountId));
}

/** Whether a failed write batch was stopped by `fingerprintGuard`. */
export function isStaleSnapshotError(err: unknown): boolean {
  const msg = err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? "")}` : String(err);
  return msg.includes(STALE);
}
