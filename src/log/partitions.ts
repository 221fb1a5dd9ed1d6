// The delivery log's tables, one set per UTC day (the day in the record's id): retention drops a
// whole day's tables at once instead of deleting its rows one by one (a DELETE writes a row per row
// and per index entry; `DROP TABLE` frees the day's pages: measured by test/log/retention.test.ts).
//
//   ev_D  one row per event: its payload and its deliveries as a JSON array (1 row written per event,
//         however many deliveries; WITHOUT ROWID, so the id key is the table and no index beside it).
//         `open` counts its pending and failed deliveries: the alarm's re-send looks only at those.
//         A partial index on work_id holds only the events published with one.
//   at_D  one row per attempt, except a success at the first try (kept in the delivery's JSON).
//   gr_D  one row per pre-hook gate run, indexed by work_id.
//   ok_D  the first-try successes of the day's deliveries, one row per flush (./first-successes.ts).

export type Sql = SqlStorage;

const DAY = /^\d{8}$/;

export const eventsTable = (day: string) => `ev_${day}`;
export const attemptsTable = (day: string) => `at_${day}`;
export const gateRunsTable = (day: string) => `gr_${day}`;
export const firstSuccessesTable = (day: string) => `ok_${day}`;

/** The day partitions of one log, kept in memory once read (the object is its tables' only writer). */
export class Partitions {
  private known: Set<string> | null = null;

  constructor(private readonly sql: Sql) {}

  /** Every day that has tables, newest first. */
  days(): string[] {
    return [...this.set()].sort().reverse();
  }

  has(day: string): boolean {
    return this.set().has(day);
  }

  /** Creates the day's tables on its first write. */
  ensure(day: string): void {
    if (this.set().has(day)) return;
    if (!DAY.test(day)) throw new Error(`not a day: ${day}`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS ${eventsTable(day)} (
      id TEXT PRIMARY KEY, type TEXT NOT NULL, created_at TEXT NOT NULL, applications TEXT, work_id TEXT,
      idempotency_key TEXT, payload TEXT NOT NULL, deliveries TEXT NOT NULL, open INTEGER NOT NULL) WITHOUT ROWID`);
    this.sql.exec(`CREATE INDEX IF NOT EXISTS ${eventsTable(day)}_work ON ${eventsTable(day)} (work_id) WHERE work_id IS NOT NULL`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS ${attemptsTable(day)} (
      delivery_id TEXT NOT NULL, n INTEGER NOT NULL, at TEXT NOT NULL, response_status INTEGER, response_body TEXT,
      error TEXT, duration_ms INTEGER NOT NULL, PRIMARY KEY (delivery_id, n)) WITHOUT ROWID`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS ${gateRunsTable(day)} (
      id TEXT PRIMARY KEY, work_id TEXT NOT NULL, body TEXT NOT NULL) WITHOUT ROWID`);
    this.sql.exec(`CREATE INDEX IF NOT EXISTS ${gateRunsTable(day)}_work ON ${gateRunsTable(day)} (work_id)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS ${firstSuccessesTable(day)} (
      lo TEXT NOT NULL, hi TEXT NOT NULL, entries TEXT NOT NULL, sums TEXT NOT NULL, PRIMARY KEY (lo, hi)) WITHOUT ROWID`);
    this.set().add(day);
  }

  /** Drops a day: its events, deliveries, attempts and gate runs, payloads and answers included. */
  drop(day: string): void {
    if (!DAY.test(day)) return;
    for (const table of [eventsTable(day), attemptsTable(day), gateRunsTable(day), firstSuccessesTable(day)]) this.sql.exec(`DROP TABLE IF EXISTS ${table}`);
    this.set().delete(day);
  }

  /** Forgets what it knew (the object's storage was deleted as a whole). */
  forget(): void {
    this.known = null;
  }

  private set(): Set<string> {
    if (!this.known) {
      const rows = this.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'ev_[0-9]*'").toArray();
      this.known = new Set(rows.map((r) => r.name.slice(3)));
    }
    return this.known;
  }
}
