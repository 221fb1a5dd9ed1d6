import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { FIRST_ATTEMPTS } from "../../src/delivery/first-attempt";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import { queue } from "../../src/delivery/consumer";
import type { DeliveryLog } from "../../src/durable/delivery-log";
import { updateDeliveries } from "../../src/log/writes";
import { ulid, ulidTime } from "../../src/domain/ids";
import { hookStateOf } from "../../src/durable/hook-state";
import type { DeliveryMessage, Env } from "../../src/env";
import { call, newAccount } from "../helpers/api";
import { countingEnv } from "../helpers/counting";
import { DLQ, envRecordingDeliveries, message, QUEUE, storeEvent } from "../helpers/consumer";
import { createHook, deliveryRequests, getDelivery, settledDelivery } from "../helpers/delivery";
import { inLog, logShard } from "../helpers/log";
import { Receiver } from "../helpers/receiver";

// At-least-once when a delivery's queue message is lost (the publishing Worker stopped right after
// its answer, a message went missing): the delivery log's alarm sends it again, whatever its age, and
// the delivery's message token keeps an old message that turns up after all from making a second
// attempt chain. Events are stored in the log as a publish that stopped after its write leaves them:
// a record, and no message.

const bindings = env as unknown as Env;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function tokenOf(accountId: string, deliveryId: string): Promise<string | null> {
  return (await logShard(accountId).delivery(deliveryId))!.delivery.messageToken;
}

async function setToken(accountId: string, deliveryId: string, token: string): Promise<void> {
  await inLog(accountId, (db) => updateDeliveries(db, [deliveryId], (d) => ((d.t = token), true)));
}

/** The log's alarm, as the runtime runs it (through the object's own bindings). */
async function runAlarm(accountId: string): Promise<void> {
  expect(await runDurableObjectAlarm(logShard(accountId))).toBe(true);
}

/** The alarm's work with other queue bindings (a recording or refusing queue). */
function upkeepWith(accountId: string, queues: Pick<Env, "DELIVERIES">): Promise<number> {
  return runInDurableObject(logShard(accountId), (log) => (log as DeliveryLog).upkeep(queues));
}

const UNSENT_TOKEN = "0";

/** A message token made at `atMs` (`ulid` itself never goes back in time). */
const tokenAt = (atMs: number) => ulidTime(atMs) + ulid().slice(10);

// "Nothing more reaches the receiver" is read from the system, not waited for: what a sweep queued is
// recorded (envRecordingDeliveries), and a settled delivery has no message the consumer would act on
// (it ignores every message of a settled delivery but a manual one); a delivery stored without a
// message that no sweep queued has none at all.

describe("the delivery log's alarm", () => {
  it("sends an orphaned delivery again: the receiver gets it exactly once, and it succeeds", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url() });
    const [orphan] = await storeEvent(accountId, [hook.id], Date.now() - 2 * HOUR);

    await runAlarm(accountId);
    const done = await settledDelivery(key, orphan!);
    expect(done).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(await tokenOf(accountId, orphan!)).toMatch(/^[0-9A-Z]{26}$/);
    // Settled: a later run leaves it alone (queues nothing for it), even once its message is past the
    // grace, so nothing else reaches the receiver.
    await setToken(accountId, orphan!, tokenAt(Date.now() - 2 * HOUR));
    const { env: recording, sent } = envRecordingDeliveries();
    await upkeepWith(accountId, recording);
    expect(sent.filter((s) => s.body.delivery_id === orphan)).toEqual([]);
    expect((await deliveryRequests(rx)).map((r) => r.headers["webhook-id"])).toEqual([orphan]);
  });

  it("leaves alone a delivery inside the grace and one re-sent within the grace; re-sends a due one whatever its age", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url() });
    const [young] = await storeEvent(accountId, [hook.id], Date.now() - 10 * MINUTE);
    const [ancient] = await storeEvent(accountId, [hook.id], Date.now() - 25 * HOUR);
    const [swept] = await storeEvent(accountId, [hook.id], Date.now() - 3 * HOUR);
    const recentToken = tokenAt(Date.now() - 5 * MINUTE);
    await setToken(accountId, swept!, recentToken);
    // And one that is due, so the run is seen to re-send at all.
    const [due] = await storeEvent(accountId, [hook.id], Date.now() - 90 * MINUTE);

    const { env: recording, sent } = envRecordingDeliveries();
    expect(await upkeepWith(accountId, recording)).toBe(2);
    const ours = sent.filter((s) => [young, ancient, swept, due].includes(s.body.delivery_id));
    expect(ours).toEqual([
      { body: { delivery_id: ancient, account_id: accountId, token: await tokenOf(accountId, ancient!) } },
      { body: { delivery_id: due, account_id: accountId, token: await tokenOf(accountId, due!) } },
    ]);
    expect(await tokenOf(accountId, young!)).toBeNull();
    expect(await tokenOf(accountId, swept!)).toBe(recentToken);

    expect(await settledDelivery(key, due!)).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(await settledDelivery(key, ancient!)).toMatchObject({ status: "succeeded", attempts: 1 });
    // The others have no message (stored without one, and not re-sent): the receiver got these two only.
    expect((await deliveryRequests(rx)).map((r) => r.headers["webhook-id"]).sort()).toEqual([ancient, due].sort());
    for (const id of [young, swept]) expect(await getDelivery(key, id!)).toMatchObject({ status: "pending", attempts: 0 });
  });

  it("deliveries the queue refuses are released: the run fails, and the next run sends them at once", async () => {
    const { accountId, key } = await newAccount();
    const hook = await createHook(key, { url: new Receiver().url() });
    const [orphan] = await storeEvent(accountId, [hook.id], Date.now() - 2 * HOUR);
    const refusing = envRecordingDeliveries("refuse");
    await expect(upkeepWith(accountId, refusing.env)).rejects.toThrow("queue unavailable");
    // No message carries the claim's token now: the record holds one that sorts before every sent one.
    expect(await tokenOf(accountId, orphan!)).toBe(UNSENT_TOKEN);

    const { env: recording, sent } = envRecordingDeliveries();
    expect(await upkeepWith(accountId, recording)).toBe(1);
    const token = await tokenOf(accountId, orphan!);
    expect(token).toMatch(/^[0-9A-Z]{26}$/);
    expect(sent.filter((s) => s.body.delivery_id === orphan)).toEqual([{ body: { delivery_id: orphan, account_id: accountId, token } }]);
    expect(await settledDelivery(key, orphan!)).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("a delivery reopened by hand whose message was lost is sent again as a manual message", async () => {
    const { accountId, key } = await newAccount();
    const hook = await createHook(key, { url: new Receiver().url() });
    const [reopened] = await storeEvent(accountId, [hook.id], Date.now() - 5 * HOUR);
    // Dead after 4 attempts, then reopened by a retry (pending, its token set) 2 hours ago.
    const reopenedAt = tokenAt(Date.now() - 2 * HOUR);
    await inLog(accountId, (db) => updateDeliveries(db, [reopened!], (d) => ((d.n = 4), (d.t = reopenedAt), true)));

    const { env: recording, sent } = envRecordingDeliveries();
    expect(await upkeepWith(accountId, recording)).toBe(1);
    const token = await tokenOf(accountId, reopened!);
    expect(sent.filter((s) => s.body.delivery_id === reopened)).toEqual([{ body: { delivery_id: reopened, account_id: accountId, token, manual: true } }]);
    expect(await settledDelivery(key, reopened!)).toMatchObject({ status: "succeeded", attempts: 5 });
  });
});

describe("a publish whose messages never reached the queue", () => {
  // (A publishing Worker that stops right after its answer leaves what "sends an orphaned delivery
  // again" above starts from: the event in the log, no message, no attempt.)
  it("answers 202 with the event stored; the first attempts go out, and the log's alarm, due seconds later, sends the rest", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    for (let i = 0; i <= FIRST_ATTEMPTS; i++) await createHook(key, { url: rx.url(`/${i}`) });
    const refusing: Env = {
      ...bindings,
      DELIVERIES: { ...bindings.DELIVERIES, sendBatch: () => Promise.reject(new Error("queue unavailable")) } as unknown as Env["DELIVERIES"],
    };
    const ctx = createExecutionContext();
    const res = await buildApp().fetch(
      new Request("http://hookrouter.test/v1/events", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ type: "t", payload: { n: 1 } }),
      }),
      refusing,
      ctx,
    );
    expect(res.status).toBe(202);
    await waitOnExecutionContext(ctx);
    const event = (await res.json()) as { id: string; deliveries: number };
    expect(event.deliveries).toBe(FIRST_ATTEMPTS + 1);
    const deliveries = (await call("GET", `/v1/deliveries?event_id=${event.id}`, { token: key })).body.data as Array<{ id: string; status: string }>;
    // The publishing Worker attempted the first ones itself; the last needed the queue.
    expect(deliveries.map((d) => d.status)).toEqual([...Array(FIRST_ATTEMPTS).fill("succeeded"), "pending"]);
    const queued = deliveries[FIRST_ATTEMPTS]!;
    // No message carries it: marked so that the next run takes it, and that run is seconds away.
    expect(await tokenOf(accountId, queued.id)).toBe(UNSENT_TOKEN);
    const alarmAt = await runInDurableObject(logShard(accountId), (_log, state) => state.storage.getAlarm());
    expect(alarmAt).not.toBeNull();
    expect(alarmAt!).toBeLessThanOrEqual(Date.now() + 5000);

    await runAlarm(accountId);
    expect(await settledDelivery(key, queued.id)).toMatchObject({ status: "succeeded", attempts: 1 });
    expect((await deliveryRequests(rx)).map((r) => r.headers["webhook-id"]).sort()).toEqual(deliveries.map((d) => d.id).sort());
  });
});

describe("message tokens in the consumer", () => {
  it("a message whose token is not the row's is acknowledged without an attempt; the current one is delivered", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url() });
    const [id] = await storeEvent(accountId, [hook.id]);
    const current = ulid();
    await setToken(accountId, id!, current);

    // The message sent at creation (no token), and one from an earlier re-send: both replaced.
    for (const stale of [{}, { token: tokenAt(Date.now() - HOUR) }]) {
      const counted = countingEnv(bindings);
      const batch = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, id!, 1, stale)]);
      await queue(batch, counted.env);
      const result = await getQueueResult(batch, createExecutionContext());
      expect(result.explicitAcks).toEqual([`msg-${id}`]);
      expect(result.retryMessages).toEqual([]);
      // The batch's one D1 read (the hook), nothing written, nothing queued.
      expect(counted.d1).toEqual({ roundTrips: 1, statements: 1 });
      expect(counted.written.rows).toBe(0);
      expect(counted.deliveries.sendCalls).toBe(0);
    }
    expect(await getDelivery(key, id!)).toMatchObject({ status: "pending", attempts: 0, attempt_log: [] });
    expect(await deliveryRequests(rx)).toHaveLength(0);

    // The current message, in a batch with a stale one of another delivery: the usual 2 round trips.
    const [other] = await storeEvent(accountId, [hook.id]);
    await setToken(accountId, other!, ulid());
    const counted = countingEnv(bindings);
    const batch = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, id!, 1, { token: current }), message(accountId, other!)]);
    await queue(batch, counted.env);
    expect([...(await getQueueResult(batch, createExecutionContext())).explicitAcks].sort()).toEqual([`msg-${id}`, `msg-${other}`].sort());
    // One D1 read (the hooks); the outcome goes to the delivery log, not to D1.
    expect(counted.d1).toEqual({ roundTrips: 1, statements: 1 });
    expect(await getDelivery(key, id!)).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(await getDelivery(key, other!)).toMatchObject({ status: "pending", attempts: 0 });
    expect((await deliveryRequests(rx)).map((r) => r.headers["webhook-id"])).toEqual([id]);
  });

  it("a rate-limited delivery swept while its postponed message is alive is delivered once", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    // One token every 2 s: a delivery that finds none waits more than the consumer sleeps in place.
    const hook = await createHook(key, { url: rx.url(), rate_limit_per_second: 0.5 });
    const [id] = await storeEvent(accountId, [hook.id], Date.now() - 2 * HOUR);
    // Another delivery of the hook just took the token.
    await hookStateOf(bindings.HOOK_STATE, hook.id).admit({ rateLimitPerSecond: 0.5, maxWaitMs: 1000 });

    // Its message from creation is postponed: a copy, still without a token, would be queued.
    const first = envRecordingDeliveries(false);
    const original = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, id!)]);
    await queue(original, first.env);
    expect((await getQueueResult(original, createExecutionContext())).explicitAcks).toEqual([`msg-${id}`]);
    expect(first.sent.map((s) => s.body)).toEqual([{ delivery_id: id, account_id: accountId, tries_before: 0 }]);

    // The alarm takes it for lost (2 hours old, still pending) and queues a message with a token.
    await runAlarm(accountId);
    const token = await tokenOf(accountId, id!);
    expect(token).not.toBeNull();

    // The postponed copy comes back while the new message is still held back by the rate limit:
    // dropped, neither sent nor postponed again.
    const late = envRecordingDeliveries(false);
    const copy = createMessageBatch<DeliveryMessage>(QUEUE, [{ ...message(accountId, id!), body: first.sent[0]!.body }]);
    await queue(copy, late.env);
    const copyResult = await getQueueResult(copy, createExecutionContext());
    expect(copyResult.explicitAcks).toEqual([`msg-${id}`]);
    expect(late.sent).toEqual([]);

    // The new message's chain delivers it, once (one attempt, then settled: any copy left is ignored);
    // its own postponed copies carry its token.
    expect(await settledDelivery(key, id!)).toMatchObject({ status: "succeeded", attempts: 1, next_attempt_at: null });
    expect((await deliveryRequests(rx)).map((r) => r.headers["webhook-id"])).toEqual([id]);
    expect(await tokenOf(accountId, id!)).toBe(token);
  });

  it("a postponed copy carries the token of the message it replaces", async () => {
    const { accountId, key } = await newAccount();
    const hook = await createHook(key, { url: new Receiver().url(), rate_limit_per_second: 0.5 });
    const [id] = await storeEvent(accountId, [hook.id]);
    const token = ulid();
    await setToken(accountId, id!, token);
    await hookStateOf(bindings.HOOK_STATE, hook.id).admit({ rateLimitPerSecond: 0.5, maxWaitMs: 1000 });
    const { env: recording, sent } = envRecordingDeliveries(false);
    const batch = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, id!, 2, { token })]);
    await queue(batch, recording);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual([`msg-${id}`]);
    expect(sent.map((s) => s.body)).toEqual([{ delivery_id: id, account_id: accountId, token, tries_before: 1 }]);
  });

  it("the dead-letter consumer leaves a delivery alone when the dead-lettered message was replaced", async () => {
    const { accountId, key } = await newAccount();
    const hook = await createHook(key, { url: new Receiver().url() });
    const [replaced, current] = await storeEvent(accountId, [hook.id, hook.id]);
    const token = ulid();
    await setToken(accountId, replaced!, token);
    await setToken(accountId, current!, token);
    const batch = createMessageBatch<DeliveryMessage>(DLQ, [message(accountId, replaced!, 21), message(accountId, current!, 21, { token })]);
    await queue(batch, bindings);
    expect((await getQueueResult(batch, createExecutionContext())).ackAll).toBe(true);
    expect((await getDelivery(key, replaced!)).status).toBe("pending");
    expect((await getDelivery(key, current!)).status).toBe("dead");
  });
});

describe("surviving a client disconnect", () => {
  // A disconnect cannot be staged in this runtime (the test calls the handler in-process); what is
  // checked is the wiring: the work from the log's write to the last sendBatch is handed to waitUntil,
  // which the runtime lets finish when the client goes away.
  async function fetchKeepingWork(path: string, key: string, body: unknown) {
    const { env: recording, sent } = envRecordingDeliveries();
    const real = createExecutionContext();
    const kept: Array<Promise<{ registeredAfter: number; sentBySettling: number }>> = [];
    const ctx = {
      waitUntil: (work: Promise<unknown>) => {
        const registeredAfter = sent.length;
        kept.push(work.then(() => ({ registeredAfter, sentBySettling: sent.length })));
        real.waitUntil(work);
      },
      passThroughOnException: () => real.passThroughOnException(),
      props: {},
    };
    const res = await buildApp().fetch(
      new Request(`http://hookrouter.test${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
      recording,
      ctx,
    );
    return { status: res.status, kept: await Promise.all(kept), sent };
  }

  it("publish: the log's write, the first attempts and the queue messages of the rest run under waitUntil", async () => {
    const { key } = await newAccount();
    for (let i = 0; i < FIRST_ATTEMPTS + 2; i++) await createHook(key, { url: new Receiver().url() });
    const { status, kept, sent } = await fetchKeepingWork("/v1/events", key, { type: "t", payload: {} });
    expect(status).toBe(202);
    expect(sent).toHaveLength(2);
    // The publish: registered before any message went out, settled only once both had. Then the
    // first attempts, handed over before the messages went out too.
    expect(kept).toHaveLength(2);
    expect(kept[0]).toEqual({ registeredAfter: 0, sentBySettling: 2 });
    expect(kept[1]!.registeredAfter).toBe(0);
  });

  it("a manual retry: the reopen and its queue message run under waitUntil", async () => {
    const { accountId, key } = await newAccount();
    const hook = await createHook(key, { url: new Receiver().url() });
    const [id] = await storeEvent(accountId, [hook.id]);
    await inLog(accountId, (db) => updateDeliveries(db, [id!], (d) => ((d.s = "dead"), (d.n = 4), true)));
    const { status, kept, sent } = await fetchKeepingWork(`/v1/deliveries/${id}/retry`, key, {});
    expect(status).toBe(202);
    expect(kept).toEqual([{ registeredAfter: 0, sentBySettling: 1 }]);
    // The reopened delivery's new token travels with its message.
    expect(sent.map((s) => s.body)).toEqual([{ delivery_id: id, account_id: accountId, manual: true, token: await tokenOf(accountId, id!) }]);
    expect(await settledDelivery(key, id!)).toMatchObject({ status: "succeeded", attempts: 5 });
  });
});
