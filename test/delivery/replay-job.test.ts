import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DeliveryLog } from "../../src/durable/delivery-log";
import { newJobRecord, replayJobOf } from "../../src/durable/replay-job";
import { newId } from "../../src/domain/ids";
import { parseLogId } from "../../src/domain/log-ids";
import type { Env } from "../../src/env";
import { ADMIN_TOKEN, call, expectErrorShape, newAccount } from "../helpers/api";
import { createHook, deliveryRequests, publish, settledDelivery, waitForDeliveryRequests } from "../helpers/delivery";
import { logShard, seedDeliveries, type SeededDelivery } from "../helpers/log";
import { eventually, Receiver } from "../helpers/receiver";

// Window replay jobs (POST /v1/hooks/{id}/replays): the stored events of a window delivered again
// to one hook as new deliveries, by a background job walking every log shard in bounded steps, with
// a cap. Events are written straight into the log at the ages a test needs (as in
// test/log/retention.test.ts), and the new deliveries go to the real receiver.

const DAY = 86_400_000;
const at = (daysAgo: number, plusMs = 0) => new Date(Date.now() - daysAgo * DAY + plusMs).toISOString();
const noQueue = { DELIVERIES: { sendBatch: async () => {} } as unknown as Queue<never> };

const rows = (hookId: string, daysAgo: number, n: number, status: SeededDelivery["status"] = "succeeded") =>
  Array.from({ length: n }, (_, i) => ({ hookId, status, createdAt: at(daysAgo, i * 1000) }));
const eventOf = (deliveryId: string) => parseLogId(deliveryId)!.eventId;

async function startJob(key: string, hookId: string, body: Record<string, unknown>) {
  const res = await call("POST", `/v1/hooks/${hookId}/replays`, { token: key, body });
  if (res.status !== 202) throw new Error(`replay job: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Polls the job until it has ended. */
async function finishedJob(key: string, hookId: string, jobId: string): Promise<any> {
  let job: any;
  await eventually(async () => ["done", "failed", "cancelled"].includes((job = (await call("GET", `/v1/hooks/${hookId}/replays/${jobId}`, { token: key })).body).status), 45_000);
  return job;
}

/** The events the receiver got new deliveries of (each delivery's event id), sorted. */
async function replayedEvents(rx: Receiver, count: number): Promise<string[]> {
  const got = await waitForDeliveryRequests(rx, count);
  return got.map((r) => eventOf(r.headers["webhook-id"]!)).sort();
}

describe("window replay jobs", () => {
  it("replays exactly the window's kept matching events across retention boundaries, as new deliveries to the receiver", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), events: ["order.*"] });
    const purged = await seedDeliveries(accountId, "order.paid", [...rows(hook.id, 50, 3), ...rows(hook.id, 35, 2)]);
    const kept = await seedDeliveries(accountId, "order.paid", [...rows(hook.id, 20, 4), ...rows(hook.id, 5, 3)]);
    const otherType = await seedDeliveries(accountId, "user.created", rows(hook.id, 10, 2));
    const to = at(2);
    // The window's end is exclusive: events made at `to` and after it are not taken.
    const afterWindow = await seedDeliveries(accountId, "order.paid", [0, 1000].map((ms) => ({ hookId: hook.id, status: "succeeded" as const, createdAt: new Date(Date.parse(to) + ms).toISOString() })));
    // Retention (30 days) drops the days of the first five events.
    await runInDurableObject(logShard(accountId), (log) => (log as DeliveryLog).upkeep(noQueue));
    for (const id of purged) expect((await call("GET", `/v1/deliveries/${id}`, { token: key })).status).toBe(404);

    const started = await startJob(key, hook.id, { from: at(60), to });
    expect(started).toMatchObject({ hook_id: hook.id, status: "queued", only_failed: false, event_types: null, limit: 100_000 });
    expect(started.id).toMatch(/^rpl_/);
    const job = await finishedJob(key, hook.id, started.id);
    // The window starts among purged days: only the kept ones are found. user.created is not the hook's.
    expect(job).toMatchObject({ status: "done", capped: false, progress: 1, error: null, shards: { total: 1, done: 1 } });
    expect(job.counts).toEqual({ scanned: kept.length + otherType.length, replayed: kept.length, skipped: otherType.length });
    expect(job.started_at && job.finished_at).toBeTruthy();

    expect(await replayedEvents(rx, kept.length)).toEqual(kept.map(eventOf).sort());
    // Each one a new delivery of its event (position 2), settled at the receiver.
    const requests = await deliveryRequests(rx);
    for (const r of requests) expect((await settledDelivery(key, r.headers["webhook-id"]!, ["succeeded"])).hook_id).toBe(hook.id);
    expect(requests.map((r) => r.headers["webhook-id"]).every((id) => !kept.includes(id!))).toBe(true);
    expect(await deliveryRequests(rx)).toHaveLength(kept.length);
    for (const id of afterWindow) expect((await call("GET", `/v1/events/${eventOf(id)}`, { token: key })).body.delivery_count).toBe(1);
  });

  it("takes only the requested event types, and with only_failed only the events whose deliveries to the hook ended dead or skipped", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), events: [] });
    const from = at(3);
    const seed = (type: string, ...offsets: number[]) =>
      seedDeliveries(accountId, type, offsets.map((ms) => ({ hookId: hook.id, status: "succeeded" as const, createdAt: new Date(Date.parse(from) + ms).toISOString() })));
    // The window's start is inclusive: an event made at `from` is taken, one made just before is not.
    const paid = await seed("order.paid", 0, 1000, 2000);
    await seed("order.paid", -1, -1000);
    await seed("order.refunded", 0, 500, 1500, 2500);
    const typed = await finishedJob(key, hook.id, (await startJob(key, hook.id, { from, event_types: ["order.paid"] })).id);
    expect(typed.counts).toEqual({ scanned: 3, replayed: 3, skipped: 0 });
    expect(await replayedEvents(rx, 3)).toEqual(paid.map(eventOf).sort());

    const rx2 = new Receiver();
    const other = await createHook(key, { url: rx2.url(), events: [] });
    const dead = await seedDeliveries(accountId, "job.failed", [...rows(other.id, 2, 2, "dead"), ...rows(other.id, 2, 1, "skipped")]);
    await seedDeliveries(accountId, "job.failed", [...rows(other.id, 2, 2, "succeeded"), ...rows(hook.id, 2, 1, "dead")]);
    const failedOnly = await finishedJob(key, other.id, (await startJob(key, other.id, { from: at(2, -1000), event_types: ["job.failed"], only_failed: true })).id);
    expect(failedOnly).toMatchObject({ only_failed: true, counts: { scanned: 6, replayed: 3, skipped: 3 } });
    expect(await replayedEvents(rx2, 3)).toEqual(dead.map(eventOf).sort());
  });

  it("matches as a publish would now: a hook's content filter decides on each event's payload", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    const from = new Date(Date.now() - 1000).toISOString();
    const hook = await createHook(key, { url: rx.url(), events: ["alert"], filter: { path: "data.severity", eq: 1 } });
    const published = [];
    for (const severity of [1, 3, 1]) published.push(await publish(key, { type: "alert", payload: { severity } }));
    expect(published.map((e) => e.deliveries)).toEqual([1, 0, 1]);
    await waitForDeliveryRequests(rx, 2);
    const job = await finishedJob(key, hook.id, (await startJob(key, hook.id, { from })).id);
    expect(job.counts).toEqual({ scanned: 3, replayed: 2, skipped: 1 });
    const got = await waitForDeliveryRequests(rx, 4);
    expect(got.map((r) => eventOf(r.headers["webhook-id"]!)).sort()).toEqual([published[0]!.id, published[0]!.id, published[2]!.id, published[2]!.id].sort());
  });

  it("stops at its cap and says so; a window with no more matching events than the cap is not capped", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), events: ["a"] });
    const seeded = await seedDeliveries(accountId, "a", rows(hook.id, 1, 5));
    const capped = await finishedJob(key, hook.id, (await startJob(key, hook.id, { from: at(2), limit: 3 })).id);
    expect(capped).toMatchObject({ status: "done", limit: 3, capped: true, counts: { replayed: 3 } });
    expect(await replayedEvents(rx, 3)).toEqual(seeded.slice(0, 3).map(eventOf).sort()); // oldest first

    const exact = await finishedJob(key, hook.id, (await startJob(key, hook.id, { from: at(2), limit: 5 })).id);
    expect(exact).toMatchObject({ status: "done", limit: 5, capped: false, counts: { scanned: 5, replayed: 5, skipped: 0 } });
  });

  it("walks every log shard of the account, and its cap counts across them", async () => {
    const { accountId, key } = await newAccount();
    expect((await call("PATCH", `/v1/accounts/${accountId}`, { token: ADMIN_TOKEN, body: { log_shards: 3 } })).status).toBe(200);
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), events: ["s"] });
    const seeded = (await Promise.all([0, 1, 2].map((shard) => seedDeliveries(accountId, "s", rows(hook.id, 1, 2 + shard), shard)))).flat();
    expect(new Set(seeded.map((id) => parseLogId(id)!.shard))).toEqual(new Set([0, 1, 2]));

    const all = await finishedJob(key, hook.id, (await startJob(key, hook.id, { from: at(2) })).id);
    expect(all).toMatchObject({ status: "done", capped: false, shards: { total: 3, done: 3 }, counts: { scanned: 9, replayed: 9, skipped: 0 } });
    expect(await replayedEvents(rx, 9)).toEqual(seeded.map(eventOf).sort());

    // 2 + 3 in the first two shards, then the third's first: the cap spans shards.
    const capped = await finishedJob(key, hook.id, (await startJob(key, hook.id, { from: at(2), limit: 6 })).id);
    expect(capped).toMatchObject({ status: "done", capped: true, counts: { replayed: 6 }, shards: { total: 3, done: 2 } });
  });

  it("a step whose answer was lost (its Worker died) is not made again: the job goes on from what the shard stored", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), events: ["t"] });
    const seeded = await seedDeliveries(accountId, "t", rows(hook.id, 1, 150));
    const window = { from: at(2), to: new Date().toISOString() };
    const record = newJobRecord({ id: newId("rpl"), accountId, hookId: hook.id, ...window, eventTypes: null, onlyFailed: false, limit: 1000 }, 1);
    // The job's first step, made by the shard but never heard of by the job's object.
    const matchers = [{ id: hook.id, events: ["t"], applications: null, fallback: false, phase: "post" as const, enabled: true, state: "new" as const, filter: null }];
    const lost = await logShard(accountId).replayWindow({ jobId: record.id, hookId: hook.id, ...window, eventTypes: null, onlyFailed: false, matchers, catalog: null }, 1000);
    expect(lost).toMatchObject({ replayed: 100, done: false });

    await replayJobOf((env as unknown as Env).REPLAY_JOB, accountId, record.id).start(record);
    const job = await finishedJob(key, hook.id, record.id);
    expect(job).toMatchObject({ status: "done", counts: { scanned: 150, replayed: 150, skipped: 0 } });
    const got = await replayedEvents(rx, 150);
    expect(got).toEqual(seeded.map(eventOf).sort()); // each event once
  });

  it("a cancelled job takes no further step; its record says so", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), events: ["t"] });
    await seedDeliveries(accountId, "t", rows(hook.id, 1, 3));
    // A running job whose next run has not come yet (stored without its alarm).
    const record = { ...newJobRecord({ id: newId("rpl"), accountId, hookId: hook.id, from: at(2), to: new Date().toISOString(), eventTypes: null, onlyFailed: false, limit: 10 }, 1), status: "running" as const };
    const stub = replayJobOf((env as unknown as Env).REPLAY_JOB, accountId, record.id);
    await runInDurableObject(stub, (_job, state) => state.storage.kv.put("job", record));

    const cancelled = await call("POST", `/v1/hooks/${hook.id}/replays/${record.id}/cancel`, { token: key });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: record.id, status: "cancelled", counts: { scanned: 0, replayed: 0, skipped: 0 } });
    expect(cancelled.body.finished_at).toBeTruthy();
    // The run the cancel set (now) only cleans up: the shards forget the job.
    await runDurableObjectAlarm(stub);
    expect(await eventually(() => runInDurableObject(stub, (_job, state) => state.storage.kv.get("forgotten") === true))).toBe(true);
    expect((await call("GET", `/v1/hooks/${hook.id}/replays/${record.id}`, { token: key })).body).toMatchObject({ status: "cancelled", counts: { replayed: 0 } });
    expect(await deliveryRequests(rx)).toHaveLength(0);
    expectErrorShape(await call("POST", `/v1/hooks/${hook.id}/replays/${record.id}/cancel`, { token: key }), 409, "conflict");
  });

  it("lists a hook's jobs newest first, a page at a time; one whose record is gone is left out; another account's hook is 404", async () => {
    const { accountId, key } = await newAccount();
    const other = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), events: ["t"] });
    const second = await createHook(key, { url: rx.url(), events: ["t"] });
    const started: string[] = [];
    for (let i = 0; i < 3; i++) started.push((await startJob(key, hook.id, { from: at(1) })).id);
    const elsewhere = (await startJob(key, second.id, { from: at(1) })).id;
    const list = (query = "") => call("GET", `/v1/hooks/${hook.id}/replays${query}`, { token: key });

    const all = await list();
    expect(all.status).toBe(200);
    expect(all.body.data.map((j: any) => j.id)).toEqual([...started].reverse());
    expect(all.body.data[0]).toMatchObject({ hook_id: hook.id, status: expect.stringMatching(/^(queued|running|done)$/), counts: expect.any(Object) });
    expect(all.body.next_cursor).toBeNull();
    const first = await list("?limit=2");
    expect(first.body.data.map((j: any) => j.id)).toEqual([started[2], started[1]]);
    expect(first.body.next_cursor).toBe(started[1]);
    const rest = await list(`?limit=2&cursor=${first.body.next_cursor}`);
    expect(rest.body).toEqual({ data: [expect.objectContaining({ id: started[0] })], next_cursor: null });
    expect((await call("GET", `/v1/hooks/${second.id}/replays`, { token: key })).body.data.map((j: any) => j.id)).toEqual([elsewhere]);

    // A job whose record its object dropped (7 days after it ended) is no longer listed.
    for (const id of started) await finishedJob(key, hook.id, id);
    await runInDurableObject(replayJobOf((env as unknown as Env).REPLAY_JOB, accountId, started[1]!), (_job, state) => state.storage.deleteAll());
    expect((await list()).body.data.map((j: any) => j.id)).toEqual([started[2], started[0]]);

    expectErrorShape(await call("GET", `/v1/hooks/${hook.id}/replays`, { token: other.key }), 404, "not_found");
    expectErrorShape(await call("GET", "/v1/hooks/hook_nope/replays", { token: key }), 404, "not_found");
    expectErrorShape(await list("?limit=0"), 400, "validation_failed");
    expectErrorShape(await list("?cursor=nope"), 400, "validation_failed");
  });

  it("refuses bad input with a clear 4xx and starts nothing", async () => {
    const { key } = await newAccount();
    const other = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), events: [] });
    const foreign = await createHook(other.key, { url: rx.url(), events: [] });
    const post = (hookId: string, body: unknown, token = key) => call("POST", `/v1/hooks/${hookId}/replays`, { token, body });

    const backwards = await post(hook.id, { from: at(1), to: at(2) });
    expectErrorShape(backwards, 400, "validation_failed");
    expect(backwards.body.error.details).toEqual([{ path: "to", message: "must be after `from`" }]);
    const tooLong = await post(hook.id, { from: at(500), to: at(0) });
    expectErrorShape(tooLong, 400, "validation_failed");
    expect(tooLong.body.error.message).toContain("400 days");
    expectErrorShape(await post(hook.id, { from: "yesterday" }), 400, "validation_failed");
    expectErrorShape(await post(hook.id, { from: at(1), limit: 0 }), 400, "validation_failed");
    expectErrorShape(await post(hook.id, { from: at(1), event_types: ["bad type"] }), 400, "validation_failed");
    expectErrorShape(await post(hook.id, { from: at(1), surprise: true }), 400, "validation_failed");
    const overCap = await post(hook.id, { from: at(1), limit: 100_001 });
    expectErrorShape(overCap, 400, "validation_failed");
    expect(overCap.body.error.message).toContain("at most 100000");
    expectErrorShape(await post("hook_nope", { from: at(1) }), 404, "not_found");
    expectErrorShape(await post(foreign.id, { from: at(1) }), 404, "not_found");

    const job = await startJob(key, hook.id, { from: at(1) });
    // A job is read through its own hook and account only.
    expectErrorShape(await call("GET", `/v1/hooks/${hook.id}/replays/${job.id}`, { token: other.key }), 404, "not_found");
    expectErrorShape(await call("GET", `/v1/hooks/${foreign.id}/replays/${job.id}`, { token: other.key }), 404, "not_found");
    expectErrorShape(await call("GET", `/v1/hooks/${hook.id}/replays/rpl_nope`, { token: key }), 404, "not_found");
    expect((await finishedJob(key, hook.id, job.id)).status).toBe("done");
    expectErrorShape(await call("POST", `/v1/hooks/${hook.id}/replays/${job.id}/cancel`, { token: key }), 409, "conflict");

    await call("POST", `/v1/hooks/${hook.id}/disable`, { token: key });
    expectErrorShape(await post(hook.id, { from: at(1) }), 409, "conflict");
  });
});
