import { asc, eq } from "drizzle-orm";
import type { Db } from "./client";
import { matchableHooks } from "./fanout-reads";
import { accounts, eventTypes } from "./schema";

// What fan-out reads of an account (its hooks' matching columns and its event-type catalog), with
// the account's `fanout_version`: triggers bump it on every change of exactly that data
// (migrations/0005_delivery_log.sql), so a copy kept in isolate memory is checked against the
// version read with the API key, in the statement the request makes anyway.

/** The account's whole catalog (names, whether they are application-level, where their applications are). */
export function catalogEntries(db: Db, accountId: string) {
  return db
    .select({ name: eventTypes.name, applicationLevel: eventTypes.applicationLevel, applicationsPath: eventTypes.applicationsPath })
    .from(eventTypes)
    .where(eq(eventTypes.accountId, accountId))
    .orderBy(asc(eventTypes.name));
}

/** The three reads of a snapshot, for one `db.batch` (one round trip). */
export function snapshotReads(db: Db, accountId: string) {
  const version = db.select({ version: accounts.fanoutVersion }).from(accounts).where(eq(accounts.id, accountId));
  return [catalogEntries(db, accountId), matchableHooks(db, accountId), version] as const;
}
