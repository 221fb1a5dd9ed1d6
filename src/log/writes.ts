import { dayOf, deliveryIdOf, MAX_POSITION, parseLogId } from "../domain/log-ids";
import { mayHaveFirstSuccess, withFirstSuccess } from "./first-successes";
import type { LogDb } from "./log-db";
import { attemptsTable, eventsTable, gateRunsTable } from "./partitions";
import {
  capText,
  MAX_STORED_BODY,
  MAX_STORED_ERROR,
  newStoredDelivery,
  OPEN_STATUSES,
  type AttemptDetails,
  type AttemptWrite,
  type DeliveryStatus,
  type DeliveryUpdate,
  type EventRow,
  type GateRunRow,
  type StoredDelivery,
} from "./records";

// The log's writes. Each runs inside one Durable Object call, so it is atomic (the object's input and
// output gates), and each event's row is read and written back whole: an event and its deliveries
// are one row written per change, whatever the fan-out.

/** A delivery a write made dead. */
export interface WentDead {
  id: string;
  eventId: string;
  hookId: string;
  attempts: number;
}

export interface StoredEvent {
  event: EventRow;
  deliveries: StoredDelivery[];
}

/** Reads one event's row (`null`: no such event in this log). */
export function readEvent(db: LogDb, eventId: string): StoredEvent | null {
  const id = parseLogId(eventId);
  if (!id || id.kind !== "evt") return null;
  const day = dayOf(id.ms);
  if (!db.parts.has(day)) return null;
  const row = db.sql.exec<EventColumns>(`SELECT * FROM ${eventsTable(day)} WHERE id = ?`, eventId).toArray()[0];
  if (!row) return null;
  const stored = fromColumns(row);
  return { ...stored, deliveries: withFirstSuccesses(db, eventId, stored.deliveries) };
}

/** An event's deliveries alone, as readers see them (a write needs neither its payload nor the rest). */
function readDeliveries(db: LogDb, eventId: string): StoredDelivery[] | null {
  const id = parseLogId(eventId);
  if (!id || id.kind !== "evt" || !db.parts.has(dayOf(id.ms))) return null;
  const row = db.sql.exec<{ deliveries: string }>(`SELECT deliveries FROM ${eventsTable(dayOf(id.ms))} WHERE id = ?`, eventId).toArray()[0];
  return row ? withFirstSuccesses(db, eventId, JSON.parse(row.deliveries) as StoredDelivery[]) : null;
}

/** An event's deliveries as readers see them: with the first successes not written into its row (./first-successes.ts). */
export function withFirstSuccesses(db: LogDb, eventId: string, deliveries: StoredDelivery[]): StoredDelivery[] {
  const candidates = deliveries.flatMap((d, i) => (mayHaveFirstSuccess(d) ? [deliveryIdOf(eventId, i)] : []));
  if (candidates.length === 0) return deliveries;
  const found = db.firsts.lookup(candidates);
  if (found.size === 0) return deliveries;
  return deliveries.map((d, i) => withFirstSuccess(d, found.get(deliveryIdOf(eventId, i))));
}

interface EventColumns extends Record<string, SqlStorageValue> {
  id: string;
  type: string;
  created_at: string;
  applications: string | null;
  work_id: string | null;
  idempotency_key: string | null;
  payload: string;
  deliveries: string;
  open: number;
}

function fromColumns(r: EventColumns): StoredEvent {
  return {
    event: {
      id: r.id,
      accountId: "",
      type: r.type,
      payload: r.payload,
      applications: r.applications === null ? null : (JSON.parse(r.applications) as string[]),
      workId: r.work_id,
      idempotencyKey: r.idempotency_key,
      createdAt: r.created_at,
    },
    deliveries: JSON.parse(r.deliveries) as StoredDelivery[],
  };
}

function openCount(deliveries: StoredDelivery[]): number {
  return deliveries.filter((d) => OPEN_STATUSES.includes(d.s)).length;
}

/** Stores a new event with one pending delivery per hook. */
export function insertEvent(db: LogDb, event: EventRow, hookIds: string[]): void {
  const day = dayOf(parseLogId(event.id)!.ms);
  db.parts.ensure(day);
  const deliveries = hookIds.map((h) => newStoredDelivery(h, event.createdAt));
  db.sql.exec(
    `INSERT INTO ${eventsTable(day)} (id, type, created_at, applications, work_id, idempotency_key, payload, deliveries, open) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    event.id,
    event.type,
    event.createdAt,
    event.applications === null ? null : JSON.stringify(event.applications),
    event.workId,
    event.idempotencyKey,
    event.payload,
    JSON.stringify(deliveries),
    deliveries.length,
  );
}

/**
 * A replay: new pending deliveries appended to a stored event, answered as their positions (`null`:
 * no such event; `"full"`: the event cannot hold them: the positions would run past MAX_POSITION, or
 * its row would pass SQLite's row size, about 15,000 fresh deliveries). Appending keeps a delivery's
 * id its event's id plus its position, so every look-up by id stays one row.
 */
export function appendDeliveries(db: LogDb, eventId: string, hookIds: string[], now: string): number[] | null | "full" {
  const deliveries = readDeliveries(db, eventId);
  if (!deliveries) return null;
  const first = deliveries.length;
  if (first + hookIds.length > MAX_POSITION) return "full";
  deliveries.push(...hookIds.map((h) => newStoredDelivery(h, now)));
  try {
    writeDeliveries(db, eventId, deliveries);
  } catch {
    return "full"; // the row as it was: the failed write changed nothing
  }
  return hookIds.map((_, i) => first + i);
}

/**
 * Writes an event's deliveries back (the only column that changes after the insert). An attempt a
 * buffered success replaced as a delivery's latest (`p`) goes to the attempts table on the way.
 */
export function writeDeliveries(db: LogDb, eventId: string, deliveries: StoredDelivery[]): void {
  const day = dayOf(parseLogId(eventId)!.ms);
  deliveries.forEach((d, i) => {
    if (!d.p) return;
    const { n, ...details } = d.p;
    insertAttempt(db, eventId, { deliveryId: deliveryIdOf(eventId, i), n, ...details });
    delete d.p;
  });
  db.sql.exec(`UPDATE ${eventsTable(day)} SET deliveries = ?, open = ? WHERE id = ?`, JSON.stringify(deliveries), openCount(deliveries), eventId);
}

/** The deliveries named, grouped by their event (ids this log did not make are left out). */
export function byEvent(ids: string[]): Map<string, Array<{ id: string; position: number }>> {
  const out = new Map<string, Array<{ id: string; position: number }>>();
  for (const id of ids) {
    const p = parseLogId(id);
    if (!p || p.kind !== "dlv") continue;
    let list = out.get(p.eventId);
    if (!list) out.set(p.eventId, (list = []));
    list.push({ id, position: p.position });
  }
  return out;
}

/**
 * Reads each event that holds some of `ids` once and hands it to `fn` with its deliveries named in
 * `ids`; writes it back when `fn` says it changed it. An event that cannot be read or written (it
 * cannot be parsed, or is too large) is skipped and reported: the other events of the call still are.
 */
function eachEvent(
  db: LogDb,
  ids: string[],
  fn: (stored: { eventId: string; deliveries: StoredDelivery[] }, named: Array<{ id: string; position: number }>) => boolean,
): { failed: string[] } {
  const failed: string[] = [];
  for (const [eventId, named] of byEvent(ids)) {
    try {
      const deliveries = readDeliveries(db, eventId);
      if (deliveries && fn({ eventId, deliveries }, named)) writeDeliveries(db, eventId, deliveries);
    } catch {
      failed.push(...named.map((n) => n.id));
    }
  }
  return { failed };
}

/** Applies `change` to each named delivery, writing each event back once (when something changed). */
export function updateDeliveries(
  db: LogDb,
  ids: string[],
  change: (d: StoredDelivery, id: string, eventId: string) => boolean,
): { changed: string[]; failed: string[] } {
  const changed: string[] = [];
  const { failed } = eachEvent(db, ids, (stored, named) => {
    let any = false;
    for (const { id, position } of named) {
      const d = stored.deliveries[position];
      if (d && change(d, id, stored.eventId)) {
        any = true;
        changed.push(id);
      }
    }
    return any;
  });
  return { changed, failed };
}

/**
 * Records a batch's outcomes: the deliveries' new states, and their attempts (the latest in the
 * delivery itself, the one it replaces moved to a row). Errors and answers are capped first.
 * Answers the ids whose event could not be written (their messages are retried).
 *
 * The cheap path: when every outcome of an event is a success of a young event (at any try), its row
 * is left alone and the successes go to ./first-successes.ts. `dead` collects the deliveries this
 * call made dead (./dead-announcements.ts).
 */
export function recordOutcomes(db: LogDb, updates: DeliveryUpdate[], attempts: AttemptWrite[], now: string, dead: WentDead[] = []): string[] {
  const update = new Map(updates.map((u) => [u.id, u]));
  const attempt = new Map(attempts.map((a) => [a.deliveryId, a]));
  const kept = (a: AttemptWrite): AttemptDetails => ({ at: a.at, responseStatus: a.responseStatus, responseBody: capText(a.responseBody, MAX_STORED_BODY), error: capText(a.error, MAX_STORED_ERROR), durationMs: a.durationMs });
  const nowMs = Date.parse(now);
  const cheapSuccess = (d: StoredDelivery | undefined, id: string) => {
    const u = update.get(id)!;
    return u.status === "succeeded" && u.attemptsAdded === 1 && attempt.has(id) && d !== undefined && mayHaveFirstSuccess(d) && db.firsts.accepts(id, nowMs);
  };
  const wentDead: WentDead[] = [];
  const { failed } = eachEvent(db, [...update.keys()], (stored, named) => {
    if (named.every(({ id, position }) => cheapSuccess(stored.deliveries[position], id))) {
      for (const { id, position } of named) {
        const d = stored.deliveries[position]!;
        db.firsts.add(id, d.h, { ...kept(attempt.get(id)!), ...(d.n > 0 ? { n: d.n + 1 } : {}), ...(d.s === "failed" ? { was: "failed" as const } : {}) });
      }
      return false;
    }
    for (const { id, position } of named) {
      const d = stored.deliveries[position];
      if (!d) continue;
      const u = update.get(id)!;
      const a = attempt.get(id);
      if (a && u.attemptsAdded === 1) {
        if (d.f) insertAttempt(db, stored.eventId, { deliveryId: id, n: d.n, ...d.f });
        d.f = kept(a);
      }
      if (u.status === "dead" && d.s !== "dead") wentDead.push({ id, eventId: stored.eventId, hookId: d.h, attempts: d.n + u.attemptsAdded });
      d.s = u.status;
      d.n += u.attemptsAdded;
      d.la = u.lastAttemptAt ?? d.la;
      d.na = u.nextAttemptAt;
      d.u = now;
    }
    return true;
  });
  // Only what was written went dead (an event that could not be written is retried).
  dead.push(...wentDead.filter((d) => !failed.includes(d.id)));
  return failed;
}

function insertAttempt(db: LogDb, eventId: string, a: AttemptWrite & { n: number }): void {
  const day = dayOf(parseLogId(eventId)!.ms);
  db.sql.exec(
    `INSERT OR REPLACE INTO ${attemptsTable(day)} (delivery_id, n, at, response_status, response_body, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    a.deliveryId,
    a.n,
    a.at,
    a.responseStatus,
    a.responseBody,
    a.error,
    a.durationMs,
  );
}

/**
 * The dead-letter queue's duty: a delivery whose message landed there is `dead`, unless it is settled
 * already or its message was replaced (`token` is no longer its own). Answers how many were marked.
 */
export function markDead(db: LogDb, messages: Array<{ id: string; token: string | null }>, now: string, dead: WentDead[] = []): number {
  const token = new Map(messages.map((m) => [m.id, m.token]));
  const wentDead: WentDead[] = [];
  const { changed, failed } = updateDeliveries(db, [...token.keys()], (d, id, eventId) => {
    if (!OPEN_STATUSES.includes(d.s) || d.t !== token.get(id)) return false;
    wentDead.push({ id, eventId, hookId: d.h, attempts: d.n });
    d.s = "dead";
    d.na = null;
    d.u = now;
    return true;
  });
  dead.push(...wentDead.filter((d) => !failed.includes(d.id)));
  return changed.length;
}

/**
 * A manual retry takes `dead` and `skipped` deliveries back to `pending` with the token their new
 * message carries (a `failed` one keeps its status and token: its automatic retry is still queued).
 */
export function reopen(db: LogDb, ids: string[], token: string, now: string): string[] {
  return backToPending(db, ids, ["dead", "skipped"], token, now);
}

/**
 * A resend takes a `succeeded` delivery back to `pending` for one more attempt (same id, so the same
 * `webhook-id`), its success kept in the attempt log. Written through `updateDeliveries`, which reads
 * the deliveries as readers see them: a success still in ./first-successes.ts is folded into the row
 * here, so the resend's own outcome is the row's next attempt.
 */
export function resend(db: LogDb, ids: string[], token: string, now: string): string[] {
  return backToPending(db, ids, ["succeeded"], token, now);
}

/** The named deliveries in one of `from` made `pending` again, due now, with the token of their new message. */
function backToPending(db: LogDb, ids: string[], from: DeliveryStatus[], token: string, now: string): string[] {
  return updateDeliveries(db, ids, (d, id) => {
    if (!from.includes(d.s)) return false;
    // A success the stats count from the first-successes sums (`o`): the row counts it from now on.
    if (d.o) db.firsts.forget(id);
    delete d.o;
    d.s = "pending";
    d.na = now;
    d.u = now;
    d.t = token;
    return true;
  }).changed;
}

/** Undoes `reopen` (or `resend`) when the queue refused the messages. */
export function restore(db: LogDb, ids: string[], status: DeliveryStatus, token: string, now: string): void {
  updateDeliveries(db, ids, (d) => {
    if (d.s !== "pending" || d.t !== token) return false;
    d.s = status;
    d.na = null;
    d.u = now;
    return true;
  });
}

export function insertGateRun(db: LogDb, run: GateRunRow): void {
  const day = dayOf(parseLogId(run.id)?.ms ?? Date.parse(run.createdAt));
  db.parts.ensure(day);
  db.sql.exec(`INSERT INTO ${gateRunsTable(day)} (id, work_id, body) VALUES (?, ?, ?)`, run.id, run.workId, JSON.stringify(run));
}

/** The ids of an event's deliveries, in position order. */
export function deliveryIdsOf(eventId: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => deliveryIdOf(eventId, i));
}
