import { and, asc, eq, getTableColumns } from "drizzle-orm";
import type { Db } from "./client";
import type { EventSummaryRow } from "./events";
import { events, gateRuns, type GateRunRow } from "./schema";

/** How many gate runs, and how many events, `GET /v1/gates/{work_id}` shows. */
export const WORK_RECORD_LIMIT = 100;

export async function insertGateRun(db: Db, row: GateRunRow): Promise<void> {
  await db.insert(gateRuns).values(row);
}

/** The account's gate runs under a work id, oldest first (index gate_runs_account_work). */
export async function listGateRunsByWork(db: Db, accountId: string, workId: string, limit = WORK_RECORD_LIMIT): Promise<GateRunRow[]> {
  return db
    .select()
    .from(gateRuns)
    .where(and(eq(gateRuns.accountId, accountId), eq(gateRuns.workId, workId)))
    .orderBy(asc(gateRuns.id))
    .limit(limit)
    .all();
}

// An event summary is every column but the payload (up to 256 KiB each).
const { payload: _payload, ...summaryColumns } = getTableColumns(events);

/**
 * The account's events published with a work id, oldest first (index events_account_work). The
 * payload is left out: the event itself is one `GET /v1/events/{id}` away.
 */
export async function listEventsByWork(db: Db, accountId: string, workId: string, limit = WORK_RECORD_LIMIT): Promise<EventSummaryRow[]> {
  return db
    .select(summaryColumns)
    .from(events)
    .where(and(eq(events.accountId, accountId), eq(events.workId, workId)))
    .orderBy(asc(events.id))
    .limit(limit)
    .all();
}
