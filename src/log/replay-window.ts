import { dayOf, deliveryIdOf, lowestIdAt, parseLogId } from "../domain/log-ids";
import { NO_PROGRESS, readsPayload, takesEvent, type ReplayWindowSpec, type ShardProgress } from "../domain/replay-window";
import type { LogDb } from "./log-db";
import { eventsTable } from "./partitions";
import type { StoredDelivery } from "./records";
import { appendDeliveries, withFirstSuccesses } from "./writes";

// One step of a window replay in one log object (src/domain/replay-window.ts): walk the window's
// events in id order from where the last step stopped, append a delivery to the job's hook for each
// event the job takes (the single-event replay's append: ./writes.ts appendDeliveries), and store how
// far it got, all in the caller's one transaction. A step read twice (its answer lost) continues
// from what was stored: nothing is appended twice. Days already dropped by retention are simply not
// there: the walk meets only what the log still holds.

/** Events read per step at most (rows read: $0.001 per million). */
export const SCAN_PER_STEP = 1000;
/**
 * The same when the step reads the events' payloads (a content filter decides) or deliveries
 * (`only_failed`): up to 256 KiB and about 1.5 MB a row, so a step's rows stay well within the
 * object's memory. The other steps read neither column.
 */
export const HEAVY_SCAN_PER_STEP = 50;
/** Deliveries appended per step at most: one event row written each, and one sendBatch for all. */
export const REPLAYS_PER_STEP = 100;

const progressKey = (jobId: string) => `replay:${jobId}`;

interface Row {
  id: string;
  type: string;
  applications: string | null;
  work_id: string | null;
  /** Read only when a content filter decides. */
  payload?: string;
  /** Read only for `only_failed`. */
  deliveries?: string;
}

/**
 * Runs one bounded step; answers the shard's progress and the deliveries it made (to be queued).
 * `shardLimit`: how many deliveries this shard may make in all (the job's cap less what the shards
 * walked before it made); a matching event past it ends the walk as `capped`.
 */
export function replayStep(db: LogDb, kv: SyncKvStorage, spec: ReplayWindowSpec, shardLimit: number, now: string): { progress: ShardProgress; deliveryIds: string[] } {
  const p: ShardProgress = { ...(kv.get<ShardProgress>(progressKey(spec.jobId)) ?? NO_PROGRESS) };
  const made: string[] = [];
  if (p.done || p.capped) return { progress: p, deliveryIds: made };
  const fromId = lowestIdAt("evt", Date.parse(spec.from));
  const firstDay = p.cursor ? dayOf(parseLogId(p.cursor)!.ms) : dayOf(Date.parse(spec.from));
  const lastDay = dayOf(Date.parse(spec.to) - 1);
  const days = db.parts.days().reverse().filter((d) => d >= firstDay && d <= lastDay);
  const payload = readsPayload(spec);
  const columns = ["id", "type", "applications", "work_id", ...(payload ? ["payload"] : []), ...(spec.onlyFailed ? ["deliveries"] : [])];
  let budget = payload || spec.onlyFailed ? HEAVY_SCAN_PER_STEP : SCAN_PER_STEP;
  let stopped = false;
  walk: for (const day of days) {
    const rows = windowRows(db, day, columns, spec, fromId, p.cursor, budget);
    for (const row of rows) {
      const taken = takesEvent(spec, {
        type: row.type,
        applications: row.applications === null ? null : (JSON.parse(row.applications) as string[]),
        workId: row.work_id,
        payload: () => JSON.parse(row.payload!) as unknown,
        hookStatuses: () => hookStatuses(db, row, spec.hookId),
      });
      if (taken && p.replayed + made.length >= shardLimit) {
        p.capped = true; // one more matching event than the cap allows: the job stops before it
        stopped = true;
        break walk;
      }
      if (taken && made.length >= REPLAYS_PER_STEP) {
        stopped = true; // the next step takes it
        break walk;
      }
      p.cursor = row.id;
      p.scanned++;
      budget--;
      const positions = taken ? appendDeliveries(db, row.id, [spec.hookId], now) : null;
      if (Array.isArray(positions)) made.push(deliveryIdOf(row.id, positions[0]!));
      else p.skipped++; // not taken, or its record cannot hold one more delivery
    }
    if (budget === 0) {
      stopped = true; // the day may have more: the next step reads on from the cursor
      break;
    }
  }
  p.done = !stopped;
  p.replayed += made.length;
  kv.put(progressKey(spec.jobId), p);
  return { progress: p, deliveryIds: made };
}

/** Forgets a finished job's progress. */
export function forgetReplay(kv: SyncKvStorage, jobId: string): void {
  kv.delete(progressKey(jobId));
}

/** The next events of the window in one day, in id order, after the cursor. */
function windowRows(db: LogDb, day: string, columns: string[], spec: ReplayWindowSpec, fromId: string, cursor: string, limit: number): Row[] {
  const where = ["id >= ?", "id > ?", "created_at >= ?", "created_at < ?"];
  const args: SqlStorageValue[] = [fromId, cursor, spec.from, spec.to];
  // At most 50 types (the request's bound): one placeholder each, read as a list beside the key's walk.
  if (spec.eventTypes) where.push(`type IN (${spec.eventTypes.map(() => "?").join(", ")})`), args.push(...spec.eventTypes);
  return db.sql
    .exec(`SELECT ${columns.join(", ")} FROM ${eventsTable(day)} WHERE ${where.join(" AND ")} ORDER BY id LIMIT ?`, ...args, limit)
    .toArray() as unknown as Row[]; // the columns asked for: payload and deliveries only when read
}

/** The statuses of an event's deliveries to one hook, as readers see them (with first successes not yet in its row). */
function hookStatuses(db: LogDb, row: Row, hookId: string): string[] {
  const deliveries = withFirstSuccesses(db, row.id, JSON.parse(row.deliveries!) as StoredDelivery[]);
  return deliveries.filter((d) => d.h === hookId).map((d) => d.s);
}
