import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getDb, type Db } from "../../src/db/client";
import {
  deliveryWriteStatements,
  findDeliveryWithType,
  findRecoverable,
  listAttempts,
  listDeliveriesOfEvent,
  listDeliveriesPage,
  loadDeliveryJobs,
  markDeadLettered,
  reopenForManualRetry,
  restoreAfterFailedRequeue,
} from "../../src/db/deliveries";
import { claimedEventQuery, countDeliveriesOfEvent, eventDeleteStatements, findEvent, listEventsPage } from "../../src/db/events";
import { listEventsByWork } from "../../src/db/gates";
import { claimStalledDeliveries, releaseStalledClaim } from "../../src/db/stalled-deliveries";
import { accountCountsQuery, hookCountsQuery } from "../../src/db/stats";
import { statsWindow } from "../../src/domain/delivery-stats";
import { explain, plansOfBuilt } from "../helpers/query-plan";

// Every query the code makes on events, deliveries and attempts, run through a D1 binding that notes
// the SQL and its parameters, then explained by SQLite. Each table has only the indexes those queries
// need (every index entry is a row D1 bills per write: migrations/0004_fewer_rows_written.sql), so
// this checks that each query still finds its rows through an index, and through the right one: with
// no statistics SQLite cannot tell an account's many deliveries from a hook's or an event's few, so a
// plan on the account's index where a hook's or event's exists would read the whole account. Plans
// do not depend on the data here (D1 keeps no statistics), so the tables are nearly empty.

interface Noted {
  sql: string;
  params: unknown[];
}

/** A D1 binding that notes each statement prepared (and its parameters) and runs it unchanged. */
function notingD1(real: D1Database, noted: Noted[]): D1Database {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") {
        return (query: string) => {
          const entry: Noted = { sql: query, params: [] };
          noted.push(entry);
          const stmt = target.prepare(query);
          return new Proxy(stmt, {
            get(s, p) {
              if (p === "bind") return (...args: unknown[]) => ((entry.params = args), s.bind(...args));
              const v = Reflect.get(s, p);
              return typeof v === "function" ? v.bind(s) : v;
            },
          });
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** The plans of the statements `run` makes (through the noting binding). */
async function plansOf(run: (db: Db) => Promise<unknown>): Promise<string> {
  const noted: Noted[] = [];
  await run(getDb(notingD1(env.DB, noted)));
  expect(noted.length).toBeGreaterThan(0);
  return (await Promise.all(noted.map((n) => explain(n.sql, n.params)))).join("\n");
}

const ACC = "acc_plans";
const HOOK = { id: "hook_plans", createdAt: new Date(Date.now() - 3 * 24 * 3600_000).toISOString() };
const now = new Date().toISOString();

/** A whole-table read of one of the three tables: what must never happen. */
const FULL_SCAN = /\bSCAN (events|deliveries|attempts)\b/;

function expectIndexed(plan: string, ...expected: RegExp[]): void {
  expect(plan).not.toMatch(FULL_SCAN);
  for (const e of expected) expect(plan).toMatch(e);
}

const EVENT_BY_KEY = /SEARCH events USING INDEX sqlite_autoindex_events_1 \(account_id=\? AND id=\?\)/;
const DELIVERY_BY_ID = /SEARCH deliveries USING PRIMARY KEY \(id=\?\)/;

describe("every query on events, deliveries and attempts reads through an index", () => {
  it("events", async () => {
    expectIndexed(await plansOf((db) => findEvent(db, ACC, "evt_1")), EVENT_BY_KEY);
    expectIndexed(await plansOf((db) => listEventsPage(db, ACC, {}, 50)), /USING INDEX sqlite_autoindex_events_1 \(account_id=\?\)/);
    expectIndexed(await plansOf((db) => listEventsPage(db, ACC, {}, 50, "evt_9")), /sqlite_autoindex_events_1 \(account_id=\? AND id<\?\)/);
    expectIndexed(await plansOf((db) => listEventsPage(db, ACC, { type: "a.b" }, 50)), /USING INDEX events_account_type \(account_id=\? AND type=\?\)/);
    expectIndexed(await plansOf((db) => listEventsPage(db, ACC, { createdAfter: now, createdBefore: now }, 50)), /sqlite_autoindex_events_1 \(account_id=\?\)/);
    // The partial index serves it (work_id = ? implies work_id is not null), in id order: no sort.
    const byWork = await plansOf((db) => listEventsByWork(db, ACC, "work_1"));
    expectIndexed(byWork, /USING INDEX events_account_work \(account_id=\? AND work_id=\?\)/);
    expect(byWork).not.toMatch(/TEMP B-TREE/);
    expectIndexed(await plansOf((db) => claimedEventQuery(db, ACC, "key-1", now).all()), EVENT_BY_KEY);
    expectIndexed(
      await plansOfBuilt(eventDeleteStatements(getDb(env.DB), ACC, "evt_1", "key-1")),
      /SEARCH deliveries USING INDEX deliveries_event \(event_id=\? AND account_id=\?\)/,
      EVENT_BY_KEY,
    );
  });

  it("deliveries of an event, of a hook, of the account", async () => {
    const OF_EVENT = /deliveries_event \(event_id=\? AND account_id=\?\)/;
    const OF_HOOK = /USING INDEX deliveries_hook \(hook_id=\? AND account_id=\?/;
    const OF_ACCOUNT = /USING INDEX deliveries_account_id \(account_id=\?/;
    expectIndexed(await plansOf((db) => countDeliveriesOfEvent(db, ACC, "evt_1")), OF_EVENT);
    expectIndexed(await plansOf((db) => listDeliveriesOfEvent(db, ACC, "evt_1", 100)), OF_EVENT);
    const page = (f: Parameters<typeof listDeliveriesPage>[2], cursor?: string) => plansOf((db) => listDeliveriesPage(db, ACC, f, 50, cursor));
    expectIndexed(await page({}), OF_ACCOUNT, EVENT_BY_KEY);
    expectIndexed(await page({}, "dlv_9"), /deliveries_account_id \(account_id=\? AND id<\?\)/);
    expectIndexed(await page({ hookId: HOOK.id }), OF_HOOK, EVENT_BY_KEY);
    expectIndexed(await page({ hookId: HOOK.id, status: "dead" }, "dlv_9"), /deliveries_hook \(hook_id=\? AND account_id=\? AND id<\?\)/);
    expectIndexed(await page({ eventId: "evt_1" }), OF_EVENT);
    expectIndexed(await page({ status: "failed", eventType: "a.b", createdAfter: now }), OF_ACCOUNT);
    expectIndexed(await page({ withinApplications: ["app-1"] }));
    expectIndexed(await plansOf((db) => findDeliveryWithType(db, ACC, "dlv_1")), DELIVERY_BY_ID, EVENT_BY_KEY);
  });

  it("the queue consumer, the dead-letter queue and the sweep look deliveries up by id", async () => {
    expectIndexed(await plansOf((db) => loadDeliveryJobs(db, ["dlv_1", "dlv_2"])), DELIVERY_BY_ID, EVENT_BY_KEY);
    const attempt = { deliveryId: "dlv_1", at: now, responseStatus: 200, responseBody: "ok", error: null, durationMs: 5 };
    const update = { id: "dlv_1", status: "succeeded" as const, attemptsAdded: 1 as const, lastAttemptAt: now, nextAttemptAt: null };
    expectIndexed(
      await plansOfBuilt(deliveryWriteStatements(getDb(env.DB), [attempt], [update], now)),
      /SEARCH previous USING PRIMARY KEY \(delivery_id=\?\)/, // the attempt's number
      DELIVERY_BY_ID,
    );
    expectIndexed(await plansOf((db) => markDeadLettered(db, [{ id: "dlv_1", token: null }], now)), DELIVERY_BY_ID);
    expectIndexed(await plansOf((db) => reopenForManualRetry(db, ACC, ["dlv_1"], now, "tok")), /SEARCH deliveries USING (PRIMARY KEY \(id=\?\)|INDEX deliveries_account_id \(account_id=\? AND id=\?\))/);
    expectIndexed(await plansOf((db) => restoreAfterFailedRequeue(db, ACC, ["dlv_1"], "dead", now)), /SEARCH deliveries USING/);
    const range = { afterId: "dlv_0", beforeId: "dlv_9", sentBefore: "0" };
    expectIndexed(await plansOf((db) => claimStalledDeliveries(db, range, "tok", now, 100)), /SEARCH deliveries USING PRIMARY KEY \(id>\? AND id<\?\)/);
    expectIndexed(await plansOf((db) => releaseStalledClaim(db, ["dlv_1"], "tok")), DELIVERY_BY_ID);
  });

  it("attempts, stats and a hook's recover", async () => {
    expectIndexed(await plansOf((db) => listAttempts(db, "dlv_1")), /SEARCH attempts USING PRIMARY KEY \(delivery_id=\?\)/);
    const window = statsWindow(Date.now(), 24);
    const STATS = /USING COVERING INDEX deliveries_account_hour_hook \(account_id=\? AND <expr>/;
    expectIndexed(await plansOf((db) => accountCountsQuery(db, ACC, window.since).all()), STATS);
    expectIndexed(await plansOf((db) => accountCountsQuery(db, ACC, window.since, ["app-1"]).all()), STATS);
    expectIndexed(await plansOf((db) => hookCountsQuery(db, ACC, HOOK.id, window.hourStarts).all()), STATS);
    expectIndexed(
      await plansOf((db) => findRecoverable(db, ACC, HOOK, new Date(Date.now() - 3600_000).toISOString(), 1001)),
      /USING INDEX deliveries_account_hour_hook \(account_id=\? AND <expr>=\? AND hook_id=\? AND status=\? AND created_at>\?\)/,
    );
  });
});
