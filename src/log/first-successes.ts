import { dayOf, lowestIdAt, parseLogId } from "../domain/log-ids";
import { firstSuccessesTable, type Partitions, type Sql } from "./partitions";
import { OPEN_STATUSES, type AttemptDetails, type StoredDelivery } from "./records";

// The cheap path of a delivery that succeeds while its event is young: at the first try, the common
// case, or at an early retry (a success ends a delivery once: it is the delivery's first success). Its
// event's row is not written again. The success is kept with the others of the same second in one row
// (`ok_D`, one per flush, WITHOUT ROWID keyed by its lowest delivery id), so a busy log writes one
// row per second for all of them instead of one per event. Readers see a delivery through it: a
// stored open delivery (`pending`, `failed`) with a success here for its next attempt has succeeded.
//
// Only the successes of events younger than MAX_AGE_MS take this path (an older one is written into
// its event's row), so the successes of an event are always in the rows flushed within MAX_AGE_MS +
// FLUSH_AFTER_MS of it: a look-up reads that range of the table's key, never the whole day.
//
// Until a flush they live in the object's memory: an object that stops first loses them, and those
// deliveries, still `pending`, are sent again by the alarm (at least once; receivers deduplicate by
// `webhook-id`). Each flush row also sums its successes per (hour created, hook, status they ended)
// for the stats.

export const MAX_AGE_MS = 60_000;
const FLUSH_AFTER_MS = 1000;
const FLUSH_AT = 500;
/** How far back from a delivery's own time its success can be found. */
const LOOKBACK_MS = MAX_AGE_MS + FLUSH_AFTER_MS + 1000;

export interface FirstSuccess extends AttemptDetails {
  /** The attempt's number (absent: 1, the first try). */
  n?: number;
  /** The stored status the success ends, when not `pending`. */
  was?: "failed";
}

interface Entry extends FirstSuccess {
  hookId: string;
}

export class FirstSuccesses {
  private buffer = new Map<string, Entry>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** Rows its flushes wrote (the meter tells them apart from the rows records cost: `DeliveryLog.usage`). */
  flushRows = 0;

  constructor(
    private readonly sql: Sql,
    private readonly parts: Partitions,
  ) {}

  /** Whether a success of this delivery, recorded now, may take the cheap path. */
  accepts(deliveryId: string, now: number): boolean {
    const id = parseLogId(deliveryId);
    return id !== null && now - id.ms < MAX_AGE_MS;
  }

  add(deliveryId: string, hookId: string, success: FirstSuccess): void {
    this.buffer.set(deliveryId, { ...success, hookId });
    if (this.buffer.size >= FLUSH_AT) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
  }

  /** Drops what is buffered, unwritten (the object's storage was deleted as a whole). */
  discard(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.buffer.clear();
  }

  /** Writes the buffer: one row per day it spans. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.buffer.size === 0) return;
    const byDay = new Map<string, Array<[string, Entry]>>();
    for (const [id, e] of this.buffer) {
      const day = dayOf(parseLogId(id)!.ms);
      if (!this.parts.has(day)) continue; // dropped meanwhile (retention)
      let list = byDay.get(day);
      if (!list) byDay.set(day, (list = []));
      list.push([id, e]);
    }
    for (const [day, list] of byDay) {
      list.sort(([a], [b]) => (a < b ? -1 : 1));
      this.sql.exec(
        `INSERT INTO ${firstSuccessesTable(day)} (lo, hi, entries, sums) VALUES (?, ?, ?, ?)`,
        list[0]![0],
        list[list.length - 1]![0],
        JSON.stringify(Object.fromEntries(list)),
        JSON.stringify(sumsOf(list)),
      );
      this.flushRows++;
    }
    this.buffer.clear();
  }

  /** The first successes of these deliveries (ids of one or more events). */
  lookup(ids: string[]): Map<string, FirstSuccess> {
    const out = new Map<string, FirstSuccess>();
    const wanted = new Set<string>();
    for (const id of ids) {
      const e = this.buffer.get(id);
      if (e) out.set(id, e);
      else wanted.add(id);
    }
    if (wanted.size === 0) return out;
    const byDay = new Map<string, string[]>();
    for (const id of wanted) {
      const day = dayOf(parseLogId(id)!.ms);
      let list = byDay.get(day);
      if (!list) byDay.set(day, (list = []));
      list.push(id);
    }
    for (const [day, list] of byDay) {
      if (!this.parts.has(day)) continue;
      list.sort();
      const from = lowestIdAt("dlv", parseLogId(list[0]!)!.ms - LOOKBACK_MS);
      const rows = this.sql
        .exec<{ entries: string }>(`SELECT entries FROM ${firstSuccessesTable(day)} WHERE lo >= ? AND lo <= ? AND hi >= ?`, from, list[list.length - 1]!, list[0]!)
        .toArray();
      for (const row of rows) {
        const entries = JSON.parse(row.entries) as Record<string, Entry>;
        for (const id of list) if (entries[id]) out.set(id, entries[id]!);
      }
    }
    return out;
  }

  /**
   * Takes a delivery's success out of the buffer, or out of its flush row's entries and sums (one row
   * rewritten): a resend makes a succeeded delivery open again, so the sums must stop counting it
   * (its success stays in the event's row, written there by the resend's own write).
   */
  forget(deliveryId: string): void {
    if (this.buffer.delete(deliveryId)) return;
    const day = dayOf(parseLogId(deliveryId)!.ms);
    if (!this.parts.has(day)) return;
    const from = lowestIdAt("dlv", parseLogId(deliveryId)!.ms - LOOKBACK_MS);
    const rows = this.sql
      .exec<{ lo: string; hi: string; entries: string; sums: string }>(`SELECT lo, hi, entries, sums FROM ${firstSuccessesTable(day)} WHERE lo >= ? AND lo <= ? AND hi >= ?`, from, deliveryId, deliveryId)
      .toArray();
    for (const row of rows) {
      const entries = JSON.parse(row.entries) as Record<string, Entry>;
      const e = entries[deliveryId];
      if (!e) continue;
      delete entries[deliveryId];
      const sums = JSON.parse(row.sums) as Record<string, number>;
      const key = sumKey(new Date(parseLogId(deliveryId)!.ms).toISOString().slice(0, 13), e);
      if ((sums[key] = (sums[key] ?? 0) - 1) <= 0) delete sums[key];
      this.sql.exec(`UPDATE ${firstSuccessesTable(day)} SET entries = ?, sums = ? WHERE lo = ? AND hi = ?`, JSON.stringify(entries), JSON.stringify(sums), row.lo, row.hi);
      return;
    }
  }

  /** The successes per (hour created, hook, status ended) of the deliveries created since `since`, from the sums: see `parseSumKey`. */
  sumsSince(since: string): Map<string, number> {
    const out = new Map<string, number>();
    const add = (key: string, n: number) => out.set(key, (out.get(key) ?? 0) + n);
    const sinceHour = since.slice(0, 13);
    for (const [id, e] of this.buffer) {
      const hour = new Date(parseLogId(id)!.ms).toISOString().slice(0, 13);
      if (hour >= sinceHour) add(sumKey(hour, e), 1);
    }
    const from = lowestIdAt("dlv", Date.parse(since) - LOOKBACK_MS);
    for (const day of this.parts.days()) {
      if (day < dayOf(Date.parse(since) - LOOKBACK_MS)) continue;
      for (const row of this.sql.exec<{ sums: string }>(`SELECT sums FROM ${firstSuccessesTable(day)} WHERE lo >= ?`, from).toArray()) {
        for (const [key, n] of Object.entries(JSON.parse(row.sums) as Record<string, number>)) if (key.slice(0, 13) >= sinceHour) add(key, n);
      }
    }
    return out;
  }
}

/**
 * A stored delivery as readers see it: a success found for its next attempt makes it succeeded. The
 * attempt it replaces as the latest (`f`) is kept as `p`, for the attempt log and for a writer to store.
 */
export function withFirstSuccess(d: StoredDelivery, success: FirstSuccess | undefined): StoredDelivery {
  if (!success || !OPEN_STATUSES.includes(d.s) || d.n !== (success.n ?? 1) - 1) return d;
  const f: AttemptDetails = { at: success.at, responseStatus: success.responseStatus, responseBody: success.responseBody, error: success.error, durationMs: success.durationMs };
  return { ...d, s: "succeeded", n: d.n + 1, la: success.at, na: null, u: success.at, f, ...(d.f ? { p: { ...d.f, n: d.n } } : {}), o: d.s === "failed" ? 2 : 1 };
}

/** Whether a stored delivery may have a success in the buffer or the flush rows (then it is looked up). */
export function mayHaveFirstSuccess(d: StoredDelivery): boolean {
  return OPEN_STATUSES.includes(d.s);
}

function sumsOf(list: Array<[string, Entry]>): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const [id, e] of list) {
    const key = sumKey(new Date(parseLogId(id)!.ms).toISOString().slice(0, 13), e);
    sums[key] = (sums[key] ?? 0) + 1;
  }
  return sums;
}

/** `hour|hook`, or `hour|hook|failed` for successes that ended a `failed` delivery. */
function sumKey(hour: string, e: Entry): string {
  return e.was ? `${hour}|${e.hookId}|${e.was}` : `${hour}|${e.hookId}`;
}

export function parseSumKey(key: string): { hour: string; hookId: string; was: "pending" | "failed" } {
  const [hour, hookId, was] = key.split("|") as [string, string, string | undefined];
  return { hour, hookId, was: was === "failed" ? "failed" : "pending" };
}
