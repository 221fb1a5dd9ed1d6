import { and, asc, desc, eq, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { HOUR_MS, hourStartsBetween } from "../domain/delivery-stats";
import type { Db } from "./client";
import { hookIdWithinScopeSql } from "./portal-scope";
import { createdInHours } from "./stats";
import { attempts, deliveries, events, hooks, slackConnections, type AttemptRow, type DeliveryRow, type EventRow, type HookRow, type SlackConnectionRow } from "./schema";

export type DeliveryStatus = DeliveryRow["status"];

export interface DeliveryFilters {
  hookId?: string;
  eventId?: string;
  status?: DeliveryStatus;
  eventType?: string;
  createdAfter?: string;
  createdBefore?: string;
  /** A portal session's applications: only the deliveries of hooks within them. */
  withinApplications?: string[] | null;
}

/** A delivery with what it takes to send it; `hook` is null once the hook was deleted. */
export interface DeliveryJob {
  delivery: DeliveryRow;
  event: EventRow;
  hook: HookRow | null;
  /** The account's Slack connection, for a `slack` hook (null otherwise, or when none is connected). */
  slackConnection: SlackConnectionRow | null;
}

/** A delivery's event: events are keyed by (account, id). */
function eventOfDelivery() {
  return and(eq(events.accountId, deliveries.accountId), eq(events.id, deliveries.eventId));
}

/**
 * Everything a queue batch needs, in one statement: deliveries joined to their events and hooks, and
 * a Slack hook's to its account's Slack connection (so a Slack delivery reads nothing more).
 */
export async function loadDeliveryJobs(db: Db, ids: string[]): Promise<Map<string, DeliveryJob>> {
  const out = new Map<string, DeliveryJob>();
  if (ids.length === 0) return out;
  const rows = await db
    .select({ delivery: deliveries, event: events, hook: hooks, slackConnection: slackConnections })
    .from(deliveries)
    .innerJoin(events, eventOfDelivery())
    .leftJoin(hooks, eq(hooks.id, deliveries.hookId))
    .leftJoin(slackConnections, and(eq(hooks.kind, "slack"), eq(slackConnections.accountId, deliveries.accountId)))
    .where(inArray(deliveries.id, ids))
    .all();
  for (const r of rows) out.set(r.delivery.id, r);
  return out;
}

/** An attempt to record; its number `n` is given by the insert (the delivery's attempts so far + 1). */
export interface AttemptWrite {
  deliveryId: string;
  at: string;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryUpdate {
  id: string;
  status: DeliveryStatus;
  /** 1 when this update records an attempt. */
  attemptsAdded: 0 | 1;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
}

/**
 * The writes of a whole queue batch as two statements, whatever its size: one multi-row insert of
 * the attempts and one update of the deliveries, each reading its rows from one JSON parameter.
 */
export function deliveryWriteStatements(db: Db, written: AttemptWrite[], updates: DeliveryUpdate[], now: string): BatchItem<"sqlite">[] {
  const out: BatchItem<"sqlite">[] = [];
  if (written.length > 0) {
    // Columns in table order: delivery_id, n, at, response_status, response_body, error, duration_ms.
    // `n` follows the delivery's last recorded attempt, read in this very statement: D1 runs write
    // batches one at a time, so two consumers that attempted one delivery at once (a manual retry
    // next to the automatic one) record n and n + 1, never n twice, which the key (delivery_id, n)
    // would refuse. A batch holds at most one attempt per delivery (the consumer keeps one message each).
    const deliveryId = sql`json_extract(value, '$.deliveryId')`;
    out.push(
      db.insert(attempts).select(sql`select ${deliveryId},
          coalesce((select max(previous.n) from ${attempts} as previous where previous.delivery_id = ${deliveryId}), 0) + 1, json_extract(value, '$.at'),
          json_extract(value, '$.responseStatus'), json_extract(value, '$.responseBody'), json_extract(value, '$.error'),
          json_extract(value, '$.durationMs')
        from json_each(${JSON.stringify(written)})`),
    );
  }
  if (updates.length > 0) {
    const u = sql`u`;
    const field = (name: string) => sql`json_extract(${u}.value, ${`$.${name}`})`;
    out.push(
      db
        .update(deliveries)
        .set({
          status: sql`${field("status")}`,
          attempts: sql`${deliveries.attempts} + ${field("attemptsAdded")}`,
          lastAttemptAt: sql`coalesce(${field("lastAttemptAt")}, ${deliveries.lastAttemptAt})`,
          nextAttemptAt: sql`${field("nextAttemptAt")}`,
          updatedAt: now,
        })
        .from(sql`json_each(${JSON.stringify(updates)}) as ${u}`)
        .where(eq(deliveries.id, field("id"))),
    );
  }
  return out;
}

/**
 * The dead-letter queue's only duty: a delivery whose message landed there is `dead`, even when the
 * queue moved it (the consumer kept crashing) before the consumer could say so. Settled deliveries
 * (succeeded, skipped, already dead) are left alone, and so are deliveries whose message was
 * replaced (`token` is no longer theirs: the newer message is still on its way). One statement for
 * any number of messages (their ids and tokens in one JSON parameter).
 */
export async function markDeadLettered(db: Db, messages: Array<{ id: string; token: string | null }>, now: string): Promise<number> {
  if (messages.length === 0) return 0;
  const m = sql`m`;
  const field = (name: string) => sql`json_extract(${m}.value, ${`$.${name}`})`;
  const res = await db
    .update(deliveries)
    .set({ status: "dead", nextAttemptAt: null, updatedAt: now })
    .from(sql`json_each(${JSON.stringify(messages)}) as ${m}`)
    .where(
      and(
        eq(deliveries.id, field("id")),
        sql`${deliveries.messageToken} is ${field("token")}`,
        inArray(deliveries.status, ["pending", "failed"]),
      ),
    )
    .returning({ id: deliveries.id });
  return res.length;
}

export async function listAttempts(db: Db, deliveryId: string): Promise<AttemptRow[]> {
  return db.select().from(attempts).where(eq(attempts.deliveryId, deliveryId)).orderBy(asc(attempts.n)).all();
}

/** At most this many deliveries listed inline with an event; the rest through GET /v1/deliveries?event_id=. */
export async function listDeliveriesOfEvent(db: Db, accountId: string, eventId: string, limit: number): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.eventId, eventId), eq(deliveries.accountId, accountId)))
    .orderBy(asc(deliveries.id))
    .limit(limit)
    .all();
}

/** One page, newest first, keyed by id (ids are time-ordered), with each delivery's event type. */
export async function listDeliveriesPage(
  db: Db,
  accountId: string,
  f: DeliveryFilters,
  limit: number,
  cursor?: string,
): Promise<Array<{ delivery: DeliveryRow; eventType: string }>> {
  const where: SQL[] = [eq(deliveries.accountId, accountId)];
  if (cursor) where.push(lt(deliveries.id, cursor));
  if (f.hookId) where.push(eq(deliveries.hookId, f.hookId));
  if (f.eventId) where.push(eq(deliveries.eventId, f.eventId));
  if (f.status) where.push(eq(deliveries.status, f.status));
  if (f.eventType) where.push(eq(events.type, f.eventType));
  if (f.createdAfter) where.push(gte(deliveries.createdAt, f.createdAfter));
  if (f.createdBefore) where.push(lt(deliveries.createdAt, f.createdBefore));
  if (f.withinApplications) where.push(hookIdWithinScopeSql(deliveries.hookId, accountId, f.withinApplications));
  return db
    .select({ delivery: deliveries, eventType: events.type })
    .from(deliveries)
    .innerJoin(events, eventOfDelivery())
    .where(and(...where))
    .orderBy(desc(deliveries.id))
    .limit(limit)
    .all();
}

/**
 * The failed and dead deliveries of a hook created since `since`, oldest first. Read from the stats
 * index (./stats.ts), one seek per hour and status: every hour from `since` (or from the hook's
 * creation, if later: it has no older deliveries; an hour either side for clocks) to now.
 */
export async function findRecoverable(
  db: Db,
  accountId: string,
  hook: Pick<HookRow, "id" | "createdAt">,
  since: string,
  limit: number,
): Promise<Array<Pick<DeliveryRow, "id" | "status" | "createdAt" | "messageToken">>> {
  const hours = hourStartsBetween(Math.max(Date.parse(since), Date.parse(hook.createdAt) - HOUR_MS), Date.now() + HOUR_MS);
  return db
    .select({ id: deliveries.id, status: deliveries.status, createdAt: deliveries.createdAt, messageToken: deliveries.messageToken })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.accountId, accountId),
        createdInHours(hours),
        eq(deliveries.hookId, hook.id),
        inArray(deliveries.status, ["failed", "dead"]),
        gte(deliveries.createdAt, since),
      ),
    )
    .orderBy(asc(deliveries.createdAt), asc(deliveries.id))
    .limit(limit)
    .all();
}

/**
 * A manual retry takes `dead` and `skipped` deliveries back to `pending` (a `failed` one keeps its
 * status: its automatic retry is still queued), with the message token its new message carries. One
 * statement for any number of ids.
 */
export async function reopenForManualRetry(db: Db, accountId: string, ids: string[], now: string, token: string): Promise<void> {
  if (ids.length === 0) return;
  await db.run(sql`update ${deliveries} set status = 'pending', next_attempt_at = ${now}, updated_at = ${now}, message_token = ${token}
    where ${deliveries.accountId} = ${accountId} and ${deliveries.status} in ('dead', 'skipped')
      and ${deliveries.id} in (select value from json_each(${JSON.stringify(ids)}))`);
}

/** Undoes `reopenForManualRetry` when the queue refused the messages. */
export async function restoreAfterFailedRequeue(db: Db, accountId: string, ids: string[], status: "dead" | "skipped", now: string): Promise<void> {
  if (ids.length === 0) return;
  await db.run(sql`update ${deliveries} set status = ${status}, next_attempt_at = null, updated_at = ${now}
    where ${deliveries.accountId} = ${accountId} and ${deliveries.status} = 'pending'
      and ${deliveries.id} in (select value from json_each(${JSON.stringify(ids)}))`);
}

/** A delivery with its event's type (for the API answer). */
export async function findDeliveryWithType(db: Db, accountId: string, id: string): Promise<{ delivery: DeliveryRow; eventType: string } | undefined> {
  return db
    .select({ delivery: deliveries, eventType: events.type })
    .from(deliveries)
    .innerJoin(events, eventOfDelivery())
    .where(and(eq(deliveries.id, id), eq(deliveries.accountId, accountId)))
    .get();
}
