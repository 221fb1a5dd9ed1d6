import { and, asc, eq } from "drizzle-orm";
import type { Db } from "./client";
import { eventTypes, type EventTypeRow } from "./schema";

export async function listEventTypes(db: Db, accountId: string): Promise<EventTypeRow[]> {
  return db.select().from(eventTypes).where(eq(eventTypes.accountId, accountId)).orderBy(asc(eventTypes.name)).all();
}

export async function findEventType(db: Db, accountId: string, name: string): Promise<EventTypeRow | undefined> {
  return db.select().from(eventTypes).where(and(eq(eventTypes.accountId, accountId), eq(eventTypes.name, name))).get();
}

export async function upsertEventType(db: Db, row: EventTypeRow): Promise<EventTypeRow> {
  const rows = await db
    .insert(eventTypes)
    .values(row)
    .onConflictDoUpdate({
      target: [eventTypes.accountId, eventTypes.name],
      set: { description: row.description, applicationLevel: row.applicationLevel, applicationsPath: row.applicationsPath, updatedAt: row.updatedAt },
    })
    .returning();
  return rows[0]!;
}

export async function deleteEventType(db: Db, accountId: string, name: string): Promise<boolean> {
  const rows = await db.delete(eventTypes).where(and(eq(eventTypes.accountId, accountId), eq(eventTypes.name, name))).returning();
  return rows.length > 0;
}
