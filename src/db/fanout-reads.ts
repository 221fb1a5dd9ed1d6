import { eq, sql } from "drizzle-orm";
import type { Db } from "./client";
import { eventTypes, hooks } from "./schema";

// What publishing and gate calls read of an account's management data (D1): its catalog and the
// columns that decide which hooks an event reaches.

/**
 * The catalog entry of `type`, in one indexed read that also tells whether the account has a
 * catalog at all: the matching row sorts first; any other row means "a catalog without this type";
 * no row means "no catalog".
 */
export function catalogProbe(db: Db, accountId: string, type: string) {
  return db
    .select({ name: eventTypes.name, applicationLevel: eventTypes.applicationLevel, applicationsPath: eventTypes.applicationsPath })
    .from(eventTypes)
    .where(eq(eventTypes.accountId, accountId))
    .orderBy(sql`${eventTypes.name} = ${type} desc`)
    .limit(1);
}

/** The columns fan-out needs (the input of `selectHooks`, content filters included): not the secrets, headers or metadata. */
export function matchableHooks(db: Db, accountId: string) {
  return db
    .select({
      id: hooks.id,
      events: hooks.events,
      applications: hooks.applications,
      fallback: hooks.fallback,
      phase: hooks.phase,
      enabled: hooks.enabled,
      state: hooks.state,
      filter: hooks.filter,
      ordering: hooks.ordering,
    })
    .from(hooks)
    .where(eq(hooks.accountId, accountId));
}

