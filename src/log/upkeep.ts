import { dayOf, deliveryIdOf, lowestIdAt } from "../domain/log-ids";
import { ulid, ulidTime } from "../domain/ids";
import type { LogDb } from "./log-db";
import { eventsTable } from "./partitions";
import { OPEN_STATUSES, type StoredDelivery } from "./records";
import { withFirstSuccesses, writeDeliveries } from "./writes";

// What the log's alarm does (src/durable/delivery-log.ts): nothing stays pending, nothing outlives
// its retention.
//
// Re-send: a pending or failed delivery whose queue message should have acted SWEEP_GRACE_SECONDS
// ago (a pending one's message went out at creation, or when its token was set; a failed one's retry
// was due at `next_attempt_at`) is taken for lost: it gets a new token and a message carrying it. The
// old message may only be late (a backlogged queue); the consumer acts only on the message carrying
// the delivery's token, so whichever arrives, one chain of attempts goes on. Whatever the delivery's
// age: a manually retried old delivery is covered too.
//
// Only events with open deliveries are read (`open > 0`), and per day only from the oldest event that
// had one at the last run (`OPEN_FROM`): a day whose deliveries have all settled is not read again
// until a manual retry reopens one of them.

export interface Stale {
  id: string;
  token: string;
  /** A pending delivery with attempts made was reopened by hand: its message was a manual one. */
  manual: boolean;
}

const OPEN_FROM = (day: string) => `open_from:${day}`;

/** Open deliveries due more than `graceMs` ago, at most `limit`; their new token is already stored. */
export function claimStale(db: LogDb, kv: SyncKvStorage, now: number, graceMs: number, limit: number): Stale[] {
  const token = ulid(now);
  const sentBefore = ulidTime(now - graceMs);
  const dueBefore = new Date(now - graceMs).toISOString();
  const nowIso = new Date(now).toISOString();
  const out: Stale[] = [];
  for (const day of db.parts.days().reverse()) {
    const from = kv.get<string>(OPEN_FROM(day)) ?? "";
    const rows = db.sql.exec<{ id: string; deliveries: string }>(`SELECT id, deliveries FROM ${eventsTable(day)} WHERE open > 0 AND id >= ? ORDER BY id`, from).toArray();
    let firstOpen: string | null = null;
    for (const row of rows) {
      if (out.length >= limit) {
        firstOpen ??= row.id;
        break;
      }
      // As readers see them: a first success not written into the row has settled its delivery.
      const deliveries = withFirstSuccesses(db, row.id, JSON.parse(row.deliveries) as StoredDelivery[]);
      if (!deliveries.some((d) => OPEN_STATUSES.includes(d.s))) continue;
      firstOpen ??= row.id;
      let changed = false;
      deliveries.forEach((d, i) => {
        if (out.length >= limit || !isStale(d, sentBefore, dueBefore)) return;
        d.t = token;
        d.u = nowIso;
        changed = true;
        out.push({ id: deliveryIdOf(row.id, i), token, manual: d.s === "pending" && d.n > 0 });
      });
      if (changed) writeDeliveries(db, row.id, deliveries);
    }
    // With nothing open, the next run starts after the day's last event, or at the grace's start if
    // that is earlier: an event made then by another isolate may be written after this read.
    const next = firstOpen ?? minId(maxId(db, day), lowestIdAt("evt", now - graceMs));
    if (next !== null && next !== from) kv.put(OPEN_FROM(day), next);
    if (out.length >= limit) break;
  }
  return out;
}

function isStale(d: StoredDelivery, sentBefore: string, dueBefore: string): boolean {
  if (!OPEN_STATUSES.includes(d.s)) return false;
  if (d.s === "failed") return d.na !== null && d.na < dueBefore && (d.t === null || d.t < sentBefore);
  return d.t === null ? d.u < dueBefore : d.t < sentBefore;
}

function minId(a: string | null, b: string): string | null {
  return a === null ? null : a < b ? a : b;
}

/** Past the last event of the day: nothing there is open. */
function maxId(db: LogDb, day: string): string | null {
  const row = db.sql.exec<{ id: string | null }>(`SELECT max(id) AS id FROM ${eventsTable(day)}`).one();
  return row.id === null ? null : `${row.id}~`;
}

/** A manual retry reopened a delivery of this event: its day is read from there again. */
export function reopenedSince(kv: SyncKvStorage, eventId: string, ms: number): void {
  const key = OPEN_FROM(dayOf(ms));
  const from = kv.get<string>(key);
  if (from !== undefined && from > eventId) kv.put(key, eventId);
}

/** Drops every day older than the retention, and the idempotency claims past their window. */
export function purgeExpired(db: LogDb, kv: SyncKvStorage, now: number, retentionDays: number, idempotencyWindowMs: number): string[] {
  const oldestKept = dayOf(now - retentionDays * 86_400_000);
  const dropped = db.parts.days().filter((d) => d < oldestKept);
  for (const day of dropped) {
    db.parts.drop(day);
    kv.delete(OPEN_FROM(day));
  }
  db.sql.exec("DELETE FROM idempotency WHERE created_at < ?", new Date(now - idempotencyWindowMs).toISOString());
  return dropped;
}
