// Deliveries per hour by outcome, for the portal's chart and hooks table. The database counts
// (src/db/stats.ts: one GROUP BY over an index); this folds those counts into a fixed series of hours,
// empty hours included, so a chart needs no gap filling. Pure.

export const OUTCOMES = ["succeeded", "failed", "dead", "pending", "skipped"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type OutcomeCounts = Record<Outcome, number> & { total: number };

/** One row of the database's count: deliveries of a hook with a status, created in one hour. */
export interface CountRow {
  /** The hour as the first 13 characters of an ISO timestamp: `2026-11-23T10`. */
  hour: string;
  hookId: string;
  status: Outcome;
  n: number;
}

export interface StatsWindow {
  /** The first hour's start: `hours` whole hours, the last of which is the current one. */
  since: string;
  until: string;
  hourStarts: string[];
}

export const HOUR_MS = 3_600_000;

/** The start of every hour from the one holding `fromMs` to the one holding `toMs`, oldest first (none if from > to). */
export function hourStartsBetween(fromMs: number, toMs: number): string[] {
  const out: string[] = [];
  for (let h = Math.floor(fromMs / HOUR_MS) * HOUR_MS; h <= toMs; h += HOUR_MS) out.push(new Date(h).toISOString());
  return out;
}

export function statsWindow(nowMs: number, hours: number): StatsWindow {
  const hourStarts = hourStartsBetween(nowMs - (hours - 1) * HOUR_MS, nowMs);
  return { since: hourStarts[0]!, until: new Date(nowMs).toISOString(), hourStarts };
}

export function emptyCounts(): OutcomeCounts {
  return { succeeded: 0, failed: 0, dead: 0, pending: 0, skipped: 0, total: 0 };
}

function add(into: OutcomeCounts, status: Outcome, n: number): void {
  into[status] += n;
  into.total += n;
}

/**
 * Succeeded among the deliveries that were tried and have an outcome or a failure so far
 * (succeeded, failed, dead); pending and skipped ones say nothing about the receiver. null: none.
 */
export function successRate(c: OutcomeCounts): number | null {
  const tried = c.succeeded + c.failed + c.dead;
  return tried === 0 ? null : c.succeeded / tried;
}

export interface FoldedStats {
  totals: OutcomeCounts;
  hours: Array<OutcomeCounts & { hour: string }>;
  byHook: Map<string, OutcomeCounts>;
}

export function foldStats(rows: CountRow[], window: StatsWindow): FoldedStats {
  const hours = window.hourStarts.map((hour) => ({ hour, ...emptyCounts() }));
  const slot = new Map(window.hourStarts.map((h, i) => [h.slice(0, 13), hours[i]!]));
  const totals = emptyCounts();
  const byHook = new Map<string, OutcomeCounts>();
  for (const r of rows) {
    const bucket = slot.get(r.hour);
    if (!bucket) continue; // created before the window's first hour (cannot happen with `since`), or clock skew after now
    add(bucket, r.status, r.n);
    add(totals, r.status, r.n);
    let h = byHook.get(r.hookId);
    if (!h) byHook.set(r.hookId, (h = emptyCounts()));
    add(h, r.status, r.n);
  }
  return { totals, hours, byHook };
}
