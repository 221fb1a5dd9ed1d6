import { describe, expect, it } from "vitest";
import { dayOf, deliveryIdOf, newLogId } from "../../src/domain/log-ids";
import { FirstSuccesses } from "../../src/log/first-successes";
import type { LogDb } from "../../src/log/log-db";
import { Partitions } from "../../src/log/partitions";
import * as reads from "../../src/log/reads";
import type { EventRow, GateRunRow } from "../../src/log/records";
import { replayStep } from "../../src/log/replay-window";
import { claimStale } from "../../src/log/upkeep";
import * as writes from "../../src/log/writes";
import { newAccount } from "../helpers/api";
import { inLog } from "../helpers/log";

// The statements the delivery log issues (src/log/reads.ts, writes.ts, upkeep.ts), noted as the code
// runs them inside a log object (a SqlStorage that records each statement and its bindings, then runs
// it unchanged), and explained by SQLite. Each day's tables have only their primary keys and the
// work_id indexes (every index entry is a row written), so this checks that each statement finds its
// rows through them: a look-up by id is a seek on the primary key, a listing walks the primary key in
// its own order (no sort of the day's rows), and a work_id look-up uses the day's `_work` index. The
// plans do not depend on the data (no statistics are gathered), so the tables hold a few rows.

interface Noted {
  query: string;
  bindings: unknown[];
}

/** An object's SQL that notes each statement it runs. */
function notingSql(sql: SqlStorage, noted: Noted[]): SqlStorage {
  return new Proxy(sql, {
    get(target, prop) {
      if (prop !== "exec") return Reflect.get(target, prop, target);
      return (query: string, ...bindings: unknown[]) => {
        noted.push({ query, bindings });
        return target.exec(query, ...bindings);
      };
    },
  });
}

/** SQLite's plan for a statement, one step a line. */
function explain(sql: SqlStorage, n: Noted): string {
  return sql
    .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${n.query}`, ...(n.bindings as SqlStorageValue[]))
    .toArray()
    .map((r) => r.detail)
    .join("\n");
}

const HOUR = 3_600_000;
/** A window replay of every type's events to a hook that takes none (the step only reads). */
const replaySpec = { jobId: "rpl_plans", hookId: "hook_a", eventTypes: ["order.paid"], onlyFailed: false, matchers: [], catalog: null };
const DAY = 24 * HOUR;

/**
 * The plan of every statement `run` makes, by the table it names: `run` gets the noting SQL, and
 * partitions that read through it (what the code under test is given inside the object).
 */
function plansOf(db: LogDb, run: (db: LogDb) => unknown): Array<{ query: string; plan: string }> {
  const noted: Noted[] = [];
  const noting = notingSql(db.sql, noted);
  const parts = new Partitions(noting);
  run({ sql: noting, parts, firsts: new FirstSuccesses(noting, parts) });
  return noted.filter((n) => /^\s*(SELECT|UPDATE|DELETE)/i.test(n.query) && !/sqlite_master/.test(n.query)).map((n) => ({ query: n.query, plan: explain(db.sql, n) }));
}

function expectNoSort(plans: Array<{ plan: string }>): void {
  for (const p of plans) expect(p.plan).not.toMatch(/USE TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY/);
}

describe("the delivery log's query plans", () => {
  it("looks records up by id on the primary key, lists them walking it, and finds work ids through the _work indexes", async () => {
    const { accountId } = await newAccount("plans");
    const now = Date.now();
    // Two days of records: a listing goes from one day's table to the next.
    const events: EventRow[] = [now - DAY, now - 2 * HOUR, now - HOUR].map((at, i) => ({
      id: newLogId("evt", 0, at),
      accountId,
      type: i === 0 ? "order.created" : "order.paid",
      payload: "{}",
      applications: null,
      workId: i === 1 ? "work-1" : null,
      idempotencyKey: null,
      createdAt: new Date(at).toISOString(),
    }));
    const run: GateRunRow = {
      id: newLogId("gate", 0, now - HOUR),
      accountId,
      workId: "work-1",
      type: "order.paid",
      approved: true,
      authId: null,
      payload: "{}",
      applications: null,
      decisions: [],
      context: {},
      durationMs: 3,
      createdAt: new Date(now - HOUR).toISOString(),
    };
    const latest = events[2]!;
    const today = dayOf(Date.parse(latest.createdAt));
    const dlv = deliveryIdOf(latest.id, 1);

    const plans = await inLog(accountId, (db, state) => {
      for (const e of events) writes.insertEvent(db, e, ["hook_a", "hook_b"]);
      writes.insertGateRun(db, run);
      // An attempt row, so the attempts table is read too.
      writes.recordOutcomes(db, [{ id: dlv, status: "failed", attemptsAdded: 1, lastAttemptAt: latest.createdAt, nextAttemptAt: latest.createdAt }], [{ deliveryId: dlv, at: latest.createdAt, responseStatus: 500, responseBody: "no", error: "HTTP 500", durationMs: 5 }], latest.createdAt);
      const of = (f: (db: LogDb) => unknown) => plansOf(db, f);
      return {
        findEvent: of((d) => reads.findEvent(d, accountId, latest.id)),
        findDelivery: of((d) => reads.findDelivery(d, accountId, dlv)),
        listAttempts: of((d) => reads.listAttempts(d, dlv)),
        updateDeliveries: of((d) => writes.updateDeliveries(d, [dlv], (d) => ((d.u = latest.createdAt), true))),
        idempotencyClaim: of((d) => d.sql.exec("SELECT event_id FROM idempotency WHERE key = ? AND created_at > ?", "k", latest.createdAt).toArray()),
        listEvents: of((d) => reads.listEvents(d, accountId, {}, 10)),
        listEventsCursor: of((d) => reads.listEvents(d, accountId, {}, 10, latest.id)),
        listEventsType: of((d) => reads.listEvents(d, accountId, { type: "order.paid" }, 10)),
        listEventsTypeCursor: of((d) => reads.listEvents(d, accountId, { type: "order.paid" }, 10, latest.id)),
        listEventsAfter: of((d) => reads.listEvents(d, accountId, { createdAfter: new Date(now - 3 * HOUR).toISOString() }, 10)),
        listDeliveries: of((d) => reads.listDeliveries(d, accountId, {}, 10)),
        listDeliveriesCursor: of((d) => reads.listDeliveries(d, accountId, {}, 10, dlv)),
        listDeliveriesFiltered: of((d) => reads.listDeliveries(d, accountId, { hookId: "hook_a", status: "pending", eventType: "order.paid" }, 10)),
        listDeliveriesOfEvent: of((d) => reads.listDeliveries(d, accountId, { eventId: latest.id }, 10)),
        eventsByWork: of((d) => reads.eventsByWork(d, accountId, "work-1", 10)),
        gateRunsByWork: of((d) => reads.gateRunsByWork(d, "work-1", 10)),
        claimStale: of((d) => claimStale(d, state.storage.kv, now, HOUR, 100)),
        loadJobs: of((d) => reads.loadJobs(d, accountId, [dlv, deliveryIdOf(latest.id, 0)])),
        replayWindow: of((d) => replayStep(d, state.storage.kv, { ...replaySpec, from: new Date(now - 2 * DAY).toISOString(), to: new Date(now).toISOString() }, 10, latest.createdAt)),
      };
    });
    const ev = `ev_${today}`;
    const at = `at_${today}`;
    const gr = `gr_${today}`;
    const planOf = (name: keyof typeof plans, table: string) => {
      const found = plans[name].filter((p) => new RegExp(`\\b${table}\\b`).test(p.query));
      expect(found.length, `${name}: a statement on ${table}`).toBeGreaterThan(0);
      return found.map((p) => p.plan).join("\n");
    };

    // Look-ups by id: a seek on the primary key, nothing else read.
    for (const name of ["findEvent", "findDelivery", "listAttempts", "updateDeliveries", "loadJobs"] as const) {
      expect(planOf(name, ev), name).toMatch(new RegExp(`^SEARCH ${ev} USING PRIMARY KEY \\(id=\\?\\)$`, "m"));
    }
    expect(planOf("listAttempts", at)).toMatch(new RegExp(`^SEARCH ${at} USING PRIMARY KEY \\(delivery_id=\\?\\)$`, "m"));
    expect(planOf("idempotencyClaim", "idempotency")).toMatch(/^SEARCH idempotency USING PRIMARY KEY \(key=\?\)$/m);
    expect(planOf("listDeliveriesOfEvent", ev)).toMatch(new RegExp(`SEARCH e USING PRIMARY KEY \\(id=\\?\\)`));

    // Listings walk the primary key, newest first, each day's table in its own order: a full page
    // stops the walk (no sort of the day's rows). A cursor or a lower time bound is a seek on it.
    for (const name of ["listEvents", "listEventsType"] as const) expect(planOf(name, ev), name).toMatch(new RegExp(`^SCAN ${ev}$`, "m"));
    for (const name of ["listEventsCursor", "listEventsTypeCursor"] as const) {
      expect(planOf(name, ev), name).toMatch(new RegExp(`^SEARCH ${ev} USING PRIMARY KEY \\(id<\\?\\)$`, "m"));
    }
    expect(planOf("listEventsAfter", ev)).toMatch(new RegExp(`^SEARCH ${ev} USING PRIMARY KEY \\(id>\\?\\)$`, "m"));
    for (const name of ["listDeliveries", "listDeliveriesFiltered"] as const) expect(planOf(name, ev), name).toMatch(/^SCAN e$/m);
    expect(planOf("listDeliveriesCursor", ev)).toMatch(/^SEARCH e USING PRIMARY KEY \(id<\?\)$/m);
    for (const name of ["listDeliveries", "listDeliveriesCursor", "listDeliveriesFiltered", "listDeliveriesOfEvent"] as const) {
      expect(planOf(name, ev), name).toMatch(/SCAN d VIRTUAL TABLE INDEX/);
    }
    expectNoSort([
      ...plans.listEvents,
      ...plans.listEventsCursor,
      ...plans.listEventsType,
      ...plans.listEventsTypeCursor,
      ...plans.listEventsAfter,
      ...plans.listDeliveries,
      ...plans.listDeliveriesCursor,
      ...plans.listDeliveriesFiltered,
      ...plans.listDeliveriesOfEvent,
      ...plans.listAttempts,
    ]);

    // Work ids: the day's partial index on events (only events published with one), the index on gate runs.
    expect(planOf("eventsByWork", ev)).toMatch(new RegExp(`^SEARCH ${ev} USING INDEX ${ev}_work \\(work_id=\\?\\)$`, "m"));
    expect(planOf("gateRunsByWork", gr)).toMatch(new RegExp(`^SEARCH ${gr} USING INDEX ${gr}_work \\(work_id=\\?\\)$`, "m"));
    expectNoSort([...plans.eventsByWork, ...plans.gateRunsByWork]);

    // The alarm's scan for open deliveries: from where it stopped last time, on the primary key, in its order.
    expect(planOf("claimStale", ev)).toMatch(new RegExp(`^SEARCH ${ev} USING PRIMARY KEY \\(id>\\?\\)$`, "m"));
    expectNoSort(plans.claimStale);
    // A window replay's step: from its cursor (or the window's start), on the primary key, in its order.
    expect(planOf("replayWindow", ev)).toMatch(new RegExp(`^SEARCH ${ev} USING PRIMARY KEY \\(id>\\?\\)$`, "m"));
    expectNoSort(plans.replayWindow);

    // Nothing above reads a whole table but the listings' walks without a cursor (which a full page ends).
    const all = Object.entries(plans).flatMap(([name, ps]) => ps.map((p) => ({ name, ...p })));
    const scans = all.filter((p) => /^SCAN (?!d\b)/m.test(p.plan)).map((p) => p.name);
    expect([...new Set(scans)].sort()).toEqual(["listDeliveries", "listDeliveriesFiltered", "listEvents", "listEventsType"].sort());
  });

  it("lists deliveries in the order the walk gives, without a sort: newest event first, each event's in position order, across pages", async () => {
    const { accountId } = await newAccount("plans-order");
    const now = Date.now();
    // Events of 5 deliveries over two days, two of them in one millisecond; pages that end inside an event.
    const times = [now - DAY - HOUR, now - DAY, now - 3 * HOUR, now - 2 * HOUR, now - 2 * HOUR, now - HOUR];
    const hooks = ["hook_a", "hook_b", "hook_c", "hook_d", "hook_e"];
    const expected = await inLog(accountId, (db) => {
      const ids = times.map((at) => {
        const id = newLogId("evt", 0, at);
        writes.insertEvent(db, { id, accountId, type: "t", payload: "{}", applications: null, workId: null, idempotencyKey: null, createdAt: new Date(at).toISOString() }, hooks);
        return id;
      });
      return [...ids].sort().reverse().flatMap((id) => hooks.map((_, i) => deliveryIdOf(id, i)));
    });
    for (const limit of [1, 3, 7, 30, 100]) {
      const seen = await inLog(accountId, (db) => {
        const out: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 100; page++) {
          const rows = reads.listDeliveries(db, accountId, {}, limit, cursor);
          out.push(...rows.map((r) => r.delivery.id));
          if (rows.length < limit) return out;
          cursor = rows[rows.length - 1]!.delivery.id;
        }
        throw new Error("pagination did not end");
      });
      expect(seen, `pages of ${limit}`).toEqual(expected);
    }
  });
});
