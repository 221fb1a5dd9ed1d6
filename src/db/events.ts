import { and, count, desc, eq, gt, lt, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./client";
import { deliveries, eventTypes, events, hooks, idempotencyKeys, type EventRow } from "./schema";

export interface EventFilters {
  type?: string;
  createdAfter?: string;
  createdBefore?: string;
}

/**
 * The catalog entry of `type`, in one indexed read that also tells whether the account has a
 * catalog at all: the matching row sorts first; any other row means "a catalog without this type";
 * no row means "no catalog".
 */
export function catalogProbe(db: Db, accountId: string, type: string) {
  return db
    .select({ name: eventTypes.name, applicationLevel: eventTypes.applicationLevel })
    .from(eventTypes)
    .where(eq(eventTypes.accountId, accountId))
    .orderBy(sql`${eventTypes.name} = ${type} desc`)
    .limit(1);
}

/** The columns fan-out needs (the input of `selectHooks`): not the secrets, headers or metadata. */
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
    })
    .from(hooks)
    .where(eq(hooks.accountId, accountId));
}

/**
 * Deliveries are inserted from one JSON parameter per statement (`json_each`; the select lists every
 * column in table order: id, account_id, event_id, hook_id, status, attempts, last_attempt_at,
 * next_attempt_at, created_at, updated_at, message_token), so a statement binds
 * 6 parameters however many rows it writes (D1 allows 100 per statement). A chunk of 1,000 rows keeps
 * each parameter near 60 KB, far below D1's 2 MB value limit.
 */
export const DELIVERY_INSERT_CHUNK = 1000;

export interface NewEvent {
  row: EventRow;
  /** [delivery id, hook id] */
  deliveries: Array<[string, string]>;
  /** Claim this key for the event; the batch fails (UNIQUE) when a live claim exists. */
  idempotency?: { key: string; expiredBefore: string };
}

/**
 * The statements that store an event, its deliveries and its idempotency claim, for ONE `db.batch`
 * (a transaction): either all of it is written or none. The idempotency claim comes first: an
 * expired claim is deleted, then the insert fails on the primary key when a live one exists, which
 * aborts the whole batch; concurrent repeats are serialised by D1, so exactly one of them wins.
 */
export function eventWriteStatements(db: Db, e: NewEvent): BatchItem<"sqlite">[] {
  const out: BatchItem<"sqlite">[] = [];
  const { row } = e;
  if (e.idempotency) {
    out.push(
      db
        .delete(idempotencyKeys)
        .where(
          and(
            eq(idempotencyKeys.accountId, row.accountId),
            eq(idempotencyKeys.key, e.idempotency.key),
            lt(idempotencyKeys.createdAt, e.idempotency.expiredBefore),
          ),
        ),
      db.insert(idempotencyKeys).values({ accountId: row.accountId, key: e.idempotency.key, eventId: row.id, createdAt: row.createdAt }),
    );
  }
  out.push(db.insert(events).values(row));
  for (let i = 0; i < e.deliveries.length; i += DELIVERY_INSERT_CHUNK) {
    const chunk = JSON.stringify(e.deliveries.slice(i, i + DELIVERY_INSERT_CHUNK));
    out.push(
      db.insert(deliveries).select(sql`select json_extract(value, '$[0]'), ${row.accountId}, ${row.id}, json_extract(value, '$[1]'),
          'pending', 0, null, ${row.createdAt}, ${row.createdAt}, ${row.createdAt}, null
        from json_each(${chunk})`),
    );
  }
  return out;
}

/** Undoes `eventWriteStatements` when the queue refused the messages (nothing may stay half-written). */
export function eventDeleteStatements(db: Db, accountId: string, eventId: string, idempotencyKey: string | null): BatchItem<"sqlite">[] {
  const out: BatchItem<"sqlite">[] = [
    db.delete(deliveries).where(and(eq(deliveries.accountId, accountId), eq(deliveries.eventId, eventId))),
    db.delete(events).where(and(eq(events.accountId, accountId), eq(events.id, eventId))),
  ];
  if (idempotencyKey) {
    out.push(
      db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.accountId, accountId), eq(idempotencyKeys.key, idempotencyKey), eq(idempotencyKeys.eventId, eventId))),
    );
  }
  return out;
}

/** The event a live idempotency claim points at (a query, so it can join a `db.batch` of reads). */
export function claimedEventQuery(db: Db, accountId: string, key: string, liveAfter: string) {
  return db
    .select({ event: events })
    .from(idempotencyKeys)
    .innerJoin(events, and(eq(events.accountId, idempotencyKeys.accountId), eq(events.id, idempotencyKeys.eventId)))
    .where(and(eq(idempotencyKeys.accountId, accountId), eq(idempotencyKeys.key, key), gt(idempotencyKeys.createdAt, liveAfter)))
    .limit(1);
}

export async function findClaimedEvent(db: Db, accountId: string, key: string, liveAfter: string): Promise<EventRow | undefined> {
  return (await claimedEventQuery(db, accountId, key, liveAfter))[0]?.event;
}

export async function findEvent(db: Db, accountId: string, id: string): Promise<EventRow | undefined> {
  return db.select().from(events).where(and(eq(events.id, id), eq(events.accountId, accountId))).get();
}

export async function countDeliveriesOfEvent(db: Db, accountId: string, eventId: string): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(deliveries)
    .where(and(eq(deliveries.eventId, eventId), eq(deliveries.accountId, accountId)))
    .get();
  return row?.n ?? 0;
}

export type EventSummaryRow = Omit<EventRow, "payload">;

/** One page, newest first, keyed by id (ids are time-ordered). Payloads (up to 256 KiB each) are not read. */
export async function listEventsPage(db: Db, accountId: string, f: EventFilters, limit: number, cursor?: string): Promise<EventSummaryRow[]> {
  const where: SQL[] = [eq(events.accountId, accountId)];
  if (cursor) where.push(lt(events.id, cursor));
  if (f.type) where.push(eq(events.type, f.type));
  if (f.createdAfter) where.push(gt(events.createdAt, f.createdAfter));
  if (f.createdBefore) where.push(lt(events.createdAt, f.createdBefore));
  return db
    .select({
      id: events.id,
      accountId: events.accountId,
      type: events.type,
      applications: events.applications,
      workId: events.workId,
      idempotencyKey: events.idempotencyKey,
      createdAt: events.createdAt,
    })
    .from(events)
    .where(and(...where))
    .orderBy(desc(events.id))
    .limit(limit)
    .all();
}
