import { dayOf, deliveryIdOf, lowestIdAt, parseLogId } from "../domain/log-ids";
import type { LogDb } from "./log-db";
import { attemptsTable, eventsTable, gateRunsTable } from "./partitions";
import { deliveryRow, type StoredDelivery, type AttemptRow, type DeliveryRow, type DeliveryStatus, type EventRow, type EventSummaryRow, type GateRunRow } from "./records";
import { mayHaveFirstSuccess, parseSumKey, withFirstSuccess } from "./first-successes";
import { readEvent } from "./writes";

// The log's reads, newest day first. A page walks the day partitions from the cursor's day down and
// stops as soon as it is full; each day is one statement over its primary key (ids are time-ordered).
// Filters on a delivery's hook or status are evaluated on the JSON of each event's row: no index is
// written for them (each would cost a row per delivery), so a rare match over a long range reads
// many rows, at $0.001 per million rows read (docs/architecture.md).

export interface EventFilters {
  type?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export interface DeliveryFilters {
  hookId?: string;
  /** Only deliveries of these hooks (a portal session's scope, resolved by the caller). */
  hookIds?: string[];
  eventId?: string;
  status?: DeliveryStatus;
  eventType?: string;
  createdAfter?: string;
  createdBefore?: string;
}

/** The days a time range can touch, newest first. */
function daysWithin(db: LogDb, after?: string, before?: string): string[] {
  const from = after ? dayOf(Date.parse(after)) : "";
  const to = before ? dayOf(Date.parse(before)) : "99999999";
  return db.parts.days().filter((d) => d >= from && d <= to);
}

const SUMMARY = "id, type, created_at, applications, work_id, idempotency_key";

function summaryOf(accountId: string, r: Record<string, SqlStorageValue>): EventSummaryRow {
  return {
    id: r.id as string,
    accountId,
    type: r.type as string,
    applications: r.applications === null ? null : (JSON.parse(r.applications as string) as string[]),
    workId: r.work_id as string | null,
    idempotencyKey: r.idempotency_key as string | null,
    createdAt: r.created_at as string,
  };
}

export function findEvent(db: LogDb, accountId: string, id: string): { event: EventRow; deliveries: DeliveryRow[] } | null {
  const stored = readEvent(db, id);
  if (!stored) return null;
  const event = { ...stored.event, accountId };
  return { event, deliveries: stored.deliveries.map((d, i) => deliveryRow(accountId, id, deliveryIdOf(id, i), event.createdAt, d)) };
}

export function listEvents(db: LogDb, accountId: string, f: EventFilters, limit: number, cursor?: string): EventSummaryRow[] {
  const out: EventSummaryRow[] = [];
  for (const day of daysWithin(db, f.createdAfter, f.createdBefore)) {
    const where = ["1 = 1"];
    const args: SqlStorageValue[] = [];
    if (cursor) where.push("id < ?"), args.push(cursor);
    if (f.type) where.push("type = ?"), args.push(f.type);
    if (f.createdAfter) where.push("id >= ? AND created_at > ?"), args.push(lowestIdAt("evt", Date.parse(f.createdAfter)), f.createdAfter);
    if (f.createdBefore) where.push("created_at < ?"), args.push(f.createdBefore);
    const rows = db.sql.exec(`SELECT ${SUMMARY} FROM ${eventsTable(day)} WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ?`, ...args, limit - out.length).toArray();
    out.push(...rows.map((r) => summaryOf(accountId, r)));
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * Deliveries newest event first, and within an event in position order. The cursor is the last
 * delivery of the previous page: the page goes on after it, in that order.
 *
 * Each day is read walking its primary key down from the cursor's event (`e.id <= ?`), and stops once
 * the page is full. The order is the walk's: events by id, and each event's deliveries as json_each
 * yields them, in array (position) order. An ORDER BY naming the position as well would make SQLite
 * collect and sort every delivery of the day before the first row (USE TEMP B-TREE FOR ORDER BY:
 * test/log/query-plans.test.ts).
 */
export function listDeliveries(db: LogDb, accountId: string, f: DeliveryFilters, limit: number, cursor?: string): Array<{ delivery: DeliveryRow; eventType: string }> {
  const after = cursor ? parseLogId(cursor) : null;
  if (cursor && (!after || after.kind !== "dlv")) return [];
  const event = f.eventId ? parseLogId(f.eventId) : null;
  if (f.eventId && (!event || event.kind !== "evt")) return [];
  const days = event ? [dayOf(event.ms)].filter((d) => db.parts.has(d)) : daysWithin(db, f.createdAfter, f.createdBefore);
  const out: Array<{ delivery: DeliveryRow; eventType: string }> = [];
  for (const day of days) {
    if (after && day > dayOf(after.ms)) continue;
    // Chunks until the page is full or the day is done: a delivery stored pending may have succeeded
    // (./first-successes.ts), so a status filter is decided after the look-up, and may drop rows.
    let from = after ? { eventId: after.eventId, position: after.position } : null;
    for (;;) {
      const chunk = Math.max(limit - out.length, 10);
      const rows = deliveryRows(db, day, f, chunk, from);
      const seen = db.firsts.lookup(rows.flatMap((r) => (mayHaveFirstSuccess(r.d) ? [deliveryIdOf(r.id, r.pos)] : [])));
      for (const r of rows) {
        const id = deliveryIdOf(r.id, r.pos);
        const d = withFirstSuccess(r.d, seen.get(id));
        if (f.status && d.s !== f.status) continue;
        out.push({ delivery: deliveryRow(accountId, r.id, id, r.created_at, d), eventType: r.type });
        if (out.length >= limit) return out;
      }
      if (rows.length < chunk) break;
      const last = rows[rows.length - 1]!;
      from = { eventId: last.id, position: last.pos };
    }
  }
  return out;
}

/** One chunk of a day's deliveries after `from` (newest event first, then position order), filtered in SQL. */
function deliveryRows(db: LogDb, day: string, f: DeliveryFilters, limit: number, from: { eventId: string; position: number } | null) {
  const where = ["1 = 1"];
  const args: SqlStorageValue[] = [];
  if (from) where.push("e.id <= ? AND (e.id < ? OR d.key > ?)"), args.push(from.eventId, from.eventId, from.position);
  if (f.eventId) where.push("e.id = ?"), args.push(f.eventId);
  if (f.eventType) where.push("e.type = ?"), args.push(f.eventType);
  if (f.createdAfter) where.push("e.created_at >= ?"), args.push(f.createdAfter);
  if (f.createdBefore) where.push("e.created_at < ?"), args.push(f.createdBefore);
  if (f.hookId) where.push("json_extract(d.value, '$.h') = ?"), args.push(f.hookId);
  if (f.hookIds) where.push("json_extract(d.value, '$.h') IN (SELECT value FROM json_each(?))"), args.push(JSON.stringify(f.hookIds));
  // A stored open delivery may have succeeded (./first-successes.ts): `succeeded` also reads those.
  if (f.status === "succeeded") where.push("json_extract(d.value, '$.s') IN ('succeeded', 'pending', 'failed')");
  else if (f.status) where.push("json_extract(d.value, '$.s') = ?"), args.push(f.status);
  return db.sql
    .exec<{ id: string; type: string; created_at: string; pos: number; value: string }>(
      `SELECT e.id, e.type, e.created_at, d.key AS pos, d.value FROM ${eventsTable(day)} AS e, json_each(e.deliveries) AS d
       WHERE ${where.join(" AND ")} ORDER BY e.id DESC LIMIT ?`,
      ...args,
      limit,
    )
    .toArray()
    .map((r) => ({ ...r, d: JSON.parse(r.value) as StoredDelivery }));
}

/** A delivery with its event's type. */
export function findDelivery(db: LogDb, accountId: string, id: string): { delivery: DeliveryRow; eventType: string } | null {
  const p = parseLogId(id);
  if (!p || p.kind !== "dlv") return null;
  const stored = readEvent(db, p.eventId);
  const d = stored?.deliveries[p.position];
  if (!stored || !d) return null;
  return { delivery: deliveryRow(accountId, p.eventId, id, stored.event.createdAt, d), eventType: stored.event.type };
}

/** Every attempt of a delivery, in order: the earlier ones from rows, the latest from the delivery itself. */
export function listAttempts(db: LogDb, id: string): AttemptRow[] {
  const p = parseLogId(id);
  if (!p || p.kind !== "dlv") return [];
  const stored = readEvent(db, p.eventId);
  const d = stored?.deliveries[p.position];
  if (!d) return [];
  const byNumber = new Map<number, AttemptRow>();
  for (const r of db.sql.exec(`SELECT * FROM ${attemptsTable(dayOf(p.ms))} WHERE delivery_id = ? ORDER BY n`, id)) {
    byNumber.set(r.n as number, {
      deliveryId: id,
      n: r.n as number,
      at: r.at as string,
      responseStatus: r.response_status as number | null,
      responseBody: r.response_body as string | null,
      error: r.error as string | null,
      durationMs: r.duration_ms as number,
    });
  }
  if (d.p) byNumber.set(d.p.n, { deliveryId: id, ...d.p });
  if (d.f) byNumber.set(d.n, { deliveryId: id, ...d.f, n: d.n });
  return [...byNumber.values()].sort((a, b) => a.n - b.n);
}

export interface CountRow {
  hour: string;
  hookId: string;
  status: DeliveryStatus;
  n: number;
}

/**
 * Deliveries per (hour created, hook, status) since `since`, for the hooks listed or all. The rows
 * count their stored status, and a success that came through ./first-successes.ts as the status it
 * ended, `pending` or `failed` (the row may say nothing of it, or carry it with `o`); the flush rows'
 * sums then move those to `succeeded`.
 */
export function countDeliveries(db: LogDb, since: string, hookIds?: string[]): CountRow[] {
  const counts = new Map<string, CountRow>();
  const add = (hour: string, hookId: string, status: DeliveryStatus, n: number) => {
    const key = `${hour}|${hookId}|${status}`;
    const c = counts.get(key);
    if (c) c.n += n;
    else counts.set(key, { hour, hookId, status, n });
  };
  for (const day of daysWithin(db, since)) {
    const filter = hookIds ? "AND json_extract(d.value, '$.h') IN (SELECT value FROM json_each(?))" : "";
    const args: SqlStorageValue[] = [since, ...(hookIds ? [JSON.stringify(hookIds)] : [])];
    const rows = db.sql
      .exec<CountRow & Record<string, SqlStorageValue>>(
        `SELECT substr(e.created_at, 1, 13) AS hour, json_extract(d.value, '$.h') AS hookId,
                CASE json_extract(d.value, '$.o') WHEN 1 THEN 'pending' WHEN 2 THEN 'failed' ELSE json_extract(d.value, '$.s') END AS status, count(*) AS n
         FROM ${eventsTable(day)} AS e, json_each(e.deliveries) AS d WHERE e.created_at >= ? ${filter} GROUP BY 1, 2, 3`,
        ...args,
      )
      .toArray();
    for (const r of rows) add(r.hour, r.hookId, r.status, r.n);
  }
  const within = hookIds ? new Set(hookIds) : null;
  for (const [key, n] of db.firsts.sumsSince(since)) {
    const { hour, hookId, was } = parseSumKey(key);
    if (within && !within.has(hookId)) continue;
    add(hour, hookId, was, -n);
    add(hour, hookId, "succeeded", n);
  }
  return [...counts.values()].filter((c) => c.n !== 0);
}

/** A hook's failed, dead and skipped deliveries created since `since`, oldest first. */
export function findRecoverable(
  db: LogDb,
  hookId: string,
  since: string,
  limit: number,
): Array<Pick<DeliveryRow, "id" | "status" | "createdAt" | "messageToken">> {
  const out: Array<Pick<DeliveryRow, "id" | "status" | "createdAt" | "messageToken">> = [];
  for (const day of daysWithin(db, since).reverse()) {
    const rows = db.sql
      .exec<{ id: string; created_at: string; pos: number; value: string }>(
        `SELECT e.id, e.created_at, d.key AS pos, d.value FROM ${eventsTable(day)} AS e, json_each(e.deliveries) AS d
         WHERE e.created_at >= ? AND json_extract(d.value, '$.h') = ? AND json_extract(d.value, '$.s') IN ('failed', 'dead', 'skipped')
         ORDER BY e.id ASC LIMIT ?`,
        since,
        hookId,
        limit - out.length,
      )
      .toArray();
    for (const r of rows) {
      const d = JSON.parse(r.value) as { s: DeliveryStatus; t: string | null };
      out.push({ id: deliveryIdOf(r.id, r.pos), status: d.s, createdAt: r.created_at, messageToken: d.t });
    }
    if (out.length >= limit) break;
  }
  return out;
}

/** The gate runs under a work id, oldest first. */
export function gateRunsByWork(db: LogDb, workId: string, limit: number): GateRunRow[] {
  const out: GateRunRow[] = [];
  for (const day of db.parts.days().reverse()) {
    const rows = db.sql.exec<{ body: string }>(`SELECT body FROM ${gateRunsTable(day)} WHERE work_id = ? ORDER BY id LIMIT ?`, workId, limit - out.length).toArray();
    out.push(...rows.map((r) => JSON.parse(r.body) as GateRunRow));
    if (out.length >= limit) break;
  }
  return out;
}

/** The events published under a work id, oldest first, without payloads. */
export function eventsByWork(db: LogDb, accountId: string, workId: string, limit: number): EventSummaryRow[] {
  const out: EventSummaryRow[] = [];
  for (const day of db.parts.days().reverse()) {
    const rows = db.sql.exec(`SELECT ${SUMMARY} FROM ${eventsTable(day)} WHERE work_id = ? ORDER BY id LIMIT ?`, workId, limit - out.length).toArray();
    out.push(...rows.map((r) => summaryOf(accountId, r)));
    if (out.length >= limit) break;
  }
  return out;
}

/** Deliveries with their events, for the queue consumer (ids this log does not hold are left out). */
export function loadJobs(db: LogDb, accountId: string, ids: string[]): Array<{ delivery: DeliveryRow; event: EventRow }> {
  const out: Array<{ delivery: DeliveryRow; event: EventRow }> = [];
  const events = new Map<string, ReturnType<typeof readEvent>>();
  for (const id of ids) {
    const p = parseLogId(id);
    if (!p || p.kind !== "dlv") continue;
    if (!events.has(p.eventId)) events.set(p.eventId, readEvent(db, p.eventId));
    const stored = events.get(p.eventId);
    const d = stored?.deliveries[p.position];
    if (!stored || !d) continue;
    const event = { ...stored.event, accountId };
    out.push({ delivery: deliveryRow(accountId, event.id, id, event.createdAt, d), event });
  }
  return out;
}

