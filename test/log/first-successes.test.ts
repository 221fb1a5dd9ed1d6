import { describe, expect, it } from "vitest";
import { deliveryIdOf, newLogId } from "../../src/domain/log-ids";
import { insertEvent, recordOutcomes } from "../../src/log/writes";
import { claimStale } from "../../src/log/upkeep";
import type { LogDb } from "../../src/log/log-db";
import { call, newAccount } from "../helpers/api";
import { inLog, logShard } from "../helpers/log";

// The cheap path of a first-try success (src/log/first-successes.ts): its event's row is not written
// again, and every reader still sees the delivery succeeded: by id, in listings and their status
// filters, in the stats (also once another write folds it into the row), and the alarm leaves it alone.

const HOUR = 3_600_000;

/** An event of `hooks` deliveries made `ageMs` ago, stored as a publish stores it. */
async function storedEvent(accountId: string, hooks: string[], ageMs = 0) {
  const at = Date.now() - ageMs;
  const event = { id: newLogId("evt", 0, at), accountId, type: "t", payload: "{}", applications: null, workId: null, idempotencyKey: null, createdAt: new Date(at).toISOString() };
  await inLog(accountId, (db) => insertEvent(db, event, hooks));
  return { event, ids: hooks.map((_, i) => deliveryIdOf(event.id, i)) };
}

function outcome(id: string, ok: boolean, now = new Date().toISOString()) {
  const update = { id, status: ok ? ("succeeded" as const) : ("failed" as const), attemptsAdded: 1 as const, lastAttemptAt: now, nextAttemptAt: ok ? null : now };
  const attempt = { deliveryId: id, at: now, responseStatus: ok ? 200 : 500, responseBody: ok ? "ok" : "no", error: ok ? null : "HTTP 500", durationMs: 12 };
  return { update, attempt };
}

/** Records outcomes inside the log object. */
function record(accountId: string, outcomes: Array<ReturnType<typeof outcome>>): Promise<void> {
  return inLog(accountId, (db) => void recordOutcomes(db, outcomes.map((o) => o.update), outcomes.map((o) => o.attempt), new Date().toISOString()));
}

/** An event's deliveries as its row stores them. */
function storedDeliveries(accountId: string, eventId: string): Promise<Array<Record<string, unknown>>> {
  const day = new Date().toISOString().slice(0, 10).replaceAll("-", "");
  return inLog(accountId, (db: LogDb) => JSON.parse(db.sql.exec<{ deliveries: string }>(`SELECT deliveries FROM ev_${day} WHERE id = ?`, eventId).one().deliveries));
}

const flushed = (accountId: string) => inLog(accountId, (db) => db.firsts.flush());

async function hookStats(key: string, hookId: string) {
  return (await call("GET", `/v1/hooks/${hookId}/stats?hours=2`, { token: key })).body;
}

describe("successes of young events (first tries and early retries)", () => {
  it("write no row of their event; by id, in listings, and in the stats the delivery has succeeded, before and after the flush", async () => {
    const { accountId, key } = await newAccount();
    const hook = (await call("POST", "/v1/hooks", { token: key, body: { name: "h", url: "https://receiver.example.com/hook" } })).body;
    const { event, ids } = await storedEvent(accountId, [hook.id, hook.id]);
    const [a, b] = ids as [string, string];

    // Both at their first try: the event's row is not written again.
    await record(accountId, [outcome(a, true), outcome(b, true)]);
    expect((await storedDeliveries(accountId, event.id)).map((d) => d.s)).toEqual(["pending", "pending"]);
    for (const phase of ["in memory", "flushed"]) {
      if (phase === "flushed") await flushed(accountId);
      const got = (await call("GET", `/v1/deliveries/${a}`, { token: key })).body;
      expect(got, phase).toMatchObject({ status: "succeeded", attempts: 1, next_attempt_at: null, attempt_log: [{ n: 1, response_status: 200, response_body: "ok", error: null }] });
      const succeeded = (await call("GET", `/v1/deliveries?hook_id=${hook.id}&status=succeeded`, { token: key })).body.data.map((d: { id: string }) => d.id);
      expect(succeeded.sort(), phase).toEqual([a, b].sort());
      expect((await call("GET", `/v1/deliveries?hook_id=${hook.id}&status=pending`, { token: key })).body.data, phase).toEqual([]);
      expect((await hookStats(key, hook.id)).totals, phase).toMatchObject({ total: 2, succeeded: 2, pending: 0 });
    }
  });

  it("the cheap path writes one row per flush for all its successes; an old event's success is written into its row", async () => {
    const { accountId } = await newAccount();
    const young = await storedEvent(accountId, ["hook_1"]);
    const young2 = await storedEvent(accountId, ["hook_1", "hook_2"]);
    await flushed(accountId);
    const before = await logShard(accountId).usage();
    await inLog(accountId, (db) => {
      const now = new Date().toISOString();
      const all = [...young.ids, ...young2.ids].map((id) => outcome(id, true, now));
      recordOutcomes(db, all.map((o) => o.update), all.map((o) => o.attempt), now);
    });
    // No row of the events; one flush row for the three successes (the log's timer's or this one).
    const after = await logShard(accountId).usage(true);
    expect(after.flushRows - before.flushRows).toBe(1);
    expect(after.rowsWritten - before.rowsWritten).toBe(1);

    const old = await storedEvent(accountId, ["hook_1"], 2 * 60_000);
    const beforeOld = await logShard(accountId).usage(true);
    await inLog(accountId, (db) => {
      const o = outcome(old.ids[0]!, true);
      recordOutcomes(db, [o.update], [o.attempt], new Date().toISOString());
    });
    // Past the age of the cheap path: its event's row is rewritten, and nothing waits for a flush.
    const afterOld = await logShard(accountId).usage(true);
    expect(afterOld.rowsWritten - beforeOld.rowsWritten).toBe(1);
    expect(afterOld.flushRows - beforeOld.flushRows).toBe(0);
  });

  it("a later write to the event folds the success into its row; the stats still count it once", async () => {
    const { accountId, key } = await newAccount();
    const hook = (await call("POST", "/v1/hooks", { token: key, body: { name: "h", url: "https://receiver.example.com/hook" } })).body;
    const { event, ids } = await storedEvent(accountId, [hook.id, hook.id]);
    const [a, b] = ids as [string, string];
    await record(accountId, [outcome(a, true)]);
    await flushed(accountId);
    // The other delivery fails: its event's row is rewritten, with `a`'s success in it now.
    await record(accountId, [outcome(b, false)]);
    expect((await storedDeliveries(accountId, event.id))[0]).toMatchObject({ s: "succeeded", n: 1, o: 1 });
    expect((await hookStats(key, hook.id)).totals).toMatchObject({ total: 2, succeeded: 1, failed: 1, pending: 0 });
    expect((await call("GET", `/v1/deliveries/${a}`, { token: key })).body).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("a retry's success of a young event takes the cheap path too; folded later, the failed attempt moves to a row of its own", async () => {
    const { accountId, key } = await newAccount();
    const hook = (await call("POST", "/v1/hooks", { token: key, body: { name: "h", url: "https://receiver.example.com/hook" } })).body;
    const { event, ids } = await storedEvent(accountId, [hook.id, hook.id]);
    const [a, b] = ids as [string, string];
    const attemptRows = () => inLog(accountId, (db) => db.sql.exec(`SELECT n FROM at_${event.createdAt.slice(0, 10).replaceAll("-", "")} WHERE delivery_id = ?`, a).toArray().map((r) => r.n));

    // The first try fails: one write of the event's row, the attempt kept in the delivery.
    const beforeFail = await logShard(accountId).usage(true);
    await record(accountId, [outcome(a, false)]);
    expect((await logShard(accountId).usage(true)).rowsWritten - beforeFail.rowsWritten).toBe(1);
    expect((await storedDeliveries(accountId, event.id))[0]).toMatchObject({ s: "failed", n: 1, f: { responseStatus: 500 } });
    expect(await attemptRows()).toEqual([]);

    // The retry succeeds: the row is not written again; readers see both attempts and the success.
    const beforeRetry = await logShard(accountId).usage(true);
    await record(accountId, [outcome(a, true)]);
    const afterRetry = await logShard(accountId).usage(true);
    expect(afterRetry.rowsWritten - beforeRetry.rowsWritten - (afterRetry.flushRows - beforeRetry.flushRows)).toBe(0);
    expect((await storedDeliveries(accountId, event.id))[0]).toMatchObject({ s: "failed", n: 1 });
    const expected = { status: "succeeded", attempts: 2, next_attempt_at: null, attempt_log: [{ n: 1, response_status: 500 }, { n: 2, response_status: 200 }] };
    expect((await call("GET", `/v1/deliveries/${a}`, { token: key })).body).toMatchObject(expected);
    expect((await call("GET", `/v1/deliveries?hook_id=${hook.id}&status=failed`, { token: key })).body.data).toEqual([]);
    expect((await call("GET", `/v1/deliveries?hook_id=${hook.id}&status=succeeded`, { token: key })).body.data.map((d: { id: string }) => d.id)).toEqual([a]);
    expect((await hookStats(key, hook.id)).totals).toMatchObject({ total: 2, succeeded: 1, failed: 0, pending: 1 });

    // Another write to the event folds the success into the row and moves the failure to its row.
    await record(accountId, [outcome(b, false)]);
    expect((await storedDeliveries(accountId, event.id))[0]).toMatchObject({ s: "succeeded", n: 2, o: 2, f: { responseStatus: 200 } });
    expect((await storedDeliveries(accountId, event.id))[0]).not.toHaveProperty("p");
    expect(await attemptRows()).toEqual([1]);
    expect((await call("GET", `/v1/deliveries/${a}`, { token: key })).body).toMatchObject(expected);
    expect((await hookStats(key, hook.id)).totals).toMatchObject({ total: 2, succeeded: 1, failed: 1, pending: 0 });
    await flushed(accountId);
    expect((await hookStats(key, hook.id)).totals).toMatchObject({ total: 2, succeeded: 1, failed: 1, pending: 0 });
  });

  it("the alarm leaves a first-try success alone; one the object lost before its flush is sent again", async () => {
    const { accountId } = await newAccount();
    const kept = await storedEvent(accountId, ["hook_1"]);
    const lost = await storedEvent(accountId, ["hook_1"]);
    await inLog(accountId, (db) => {
      const all = [kept.ids[0]!, lost.ids[0]!].map((id) => outcome(id, true));
      recordOutcomes(db, all.map((o) => o.update), all.map((o) => o.attempt), new Date().toISOString());
    });
    // The object stops before its flush: only `kept`'s success had reached storage.
    await inLog(accountId, (db) => {
      const buffer = (db.firsts as unknown as { buffer: Map<string, unknown> }).buffer;
      const lostOne = buffer.get(lost.ids[0]!);
      buffer.delete(lost.ids[0]!);
      db.firsts.flush();
      return lostOne;
    });
    const stale = await inLog(accountId, (db, state) => claimStale(db, state.storage.kv, Date.now() + 2 * HOUR, HOUR, 100));
    expect(stale.map((s) => s.id)).toEqual([lost.ids[0]]);
  });
});
