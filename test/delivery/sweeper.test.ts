import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import { queue } from "../../src/delivery/consumer";
import { UNSENT_TOKEN } from "../../src/db/stalled-deliveries";
import { sweepStalledDeliveries } from "../../src/delivery/sweeper";
import { ulid, ulidTime } from "../../src/domain/ids";
import { hookStateOf } from "../../src/durable/hook-state";
import type { DeliveryMessage, Env } from "../../src/env";
import worker from "../../src/index";
import { newAccount } from "../helpers/api";
import { countingEnv } from "../helpers/counting";
import { DLQ, envRecordingDeliveries, message, QUEUE, storeEvent } from "../helpers/consumer";
import { createHook, deliveryRequests, getDelivery, settledDelivery } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// At-least-once when a delivery's queue message is lost between the D1 commit and sendBatch: the
// cron sweep sends it again, and the delivery's message token keeps an old message that turns up
// after all from making a second attempt chain. Deliveries are written straight to D1 as a publish
// that stopped after its commit leaves them: a row, and no message.

const bindings = env as unknown as Env;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function tokenOf(deliveryId: string): Promise<string | null> {
  const row = await bindings.DB.prepare("select message_token from deliveries where id = ?").bind(deliveryId).first<{ message_token: string | null }>();
  return row!.message_token;
}

async function setToken(deliveryId: string, token: string): Promise<void> {
  await bindings.DB.prepare("update deliveries set message_token = ? where id = ?").bind(token, deliveryId).run();
}

/** The cron trigger, through the Worker's own scheduled handler (with `on`'s bindings, by default the project's). */
async function runCron(on: Env = bindings): Promise<void> {
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "17 * * * *" }), on);
}

/** A message token made at `atMs` (`ulid` itself never goes back in time). */
const tokenAt = (atMs: number) => ulidTime(atMs) + ulid().slice(10);

// "Nothing more reaches the receiver" is read from the system, not waited for: what a sweep queued is
// recorded (envRecordingDeliveries), and a settled delivery has no message the consumer would act on
// (it ignores every message of a settled delivery but a manual one); a delivery stored without a
// message that no sweep queued has none at all.

describe("the stalled-delivery sweep", () => {
  it("sends an orphaned delivery again: the receiver gets it exactly once, and it succeeds", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url() });
    const [orphan] = await storeEvent(accountId, [hook.id], Date.now() - 2 * HOUR);

    await runCron();
    const done = await settledDelivery(key, orphan!);
    expect(done).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(await tokenOf(orphan!)).toMatch(/^[0-9A-Z]{26}$/);
    // Settled: a later run leaves it alone (queues nothing for it), even once its message is past the
    // grace, so nothing else reaches the receiver.
    await setToken(orphan!, tokenAt(Date.now() - 2 * HOUR));
    const { env: recording, sent } = envRecordingDeliveries();
    await runCron(recording);
    expect(sent.filter((s) => s.body.delivery_id === orphan)).toEqual([]);
    expect((await deliveryRequests(rx)).map((r) => r.headers["webhook-id"])).toEqual([orphan]);
  });

  it("leaves alone a delivery inside the grace, one older than the window, and one swept within the grace", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url() });
    const [young] = await storeEvent(accountId, [hook.id], Date.now() - 10 * MINUTE);
    const [ancient] = await storeEvent(accountId, [hook.id], Date.now() - 25 * HOUR);
    const [swept] = await storeEvent(accountId, [hook.id], Date.now() - 3 * HOUR);
    const recentToken = tokenAt(Date.now() - 5 * MINUTE);
    await setToken(swept!, recentToken);
    // And one that is due, so the run is seen to sweep at all.
    const [due] = await storeEvent(accountId, [hook.id], Date.now() - 90 * MINUTE);

    const { env: recording, sent } = envRecordingDeliveries();
    await sweepStalledDeliveries(recording);
    const ours = sent.filter((s) => [young, ancient, swept, due].includes(s.body.delivery_id));
    expect(ours).toEqual([{ body: { delivery_id: due, account_id: accountId, token: await tokenOf(due!) } }]);
    expect(await tokenOf(young!)).toBeNull();
    expect(await tokenOf(ancient!)).toBeNull();
    expect(await tokenOf(swept!)).toBe(recentToken);

    expect(await settledDelivery(key, due!)).toMatchObject({ status: "succeeded", attempts: 1 });
    // The others have no message (stored without one, and not swept): the receiver got `due` only.
    expect((await deliveryRequests(rx)).map((r) => r.headers["webhook-id"])).toEqual([due]);
    for (const id of [young, ancient, swept]) expect(await getDelivery(key, id!)).toMatchObject({ status: "pending", attempts: 0 });
  });

  it("a page the queue refuses is released: the run fails, and the next run sends those deliveries at once", async () => {
    const { accountId, key } = await newAccount();
    const hook = await createHook(key, { url: new Receiver().url() });
    const [orphan] = await storeEvent(accountId, [hook.id], Date.now() - 2 * HOUR);
    const refusing = envRecordingDeliveries("refuse");
    await expect(sweepStalledDeliveries(refusing.env)).rejects.toThrow("queue unavailable");
    // No message carries the claim's token now: the row holds one that sorts before every sent one.
    expect(await tokenOf(orphan!)).toBe(UNSENT_TOKEN);

    const { env: recording, sent } = envRecordingDeliveries();
    await sweepStalledDeliveries(recording);
    const token = await tokenOf(orphan!);
    expect(token).toMatch(/^[0-9A-Z]{26}$/);
    expect(sent.filter((s) => s.body.delivery_id === orphan)).toEqual([{ body: { delivery_id: orphan, account_id: accountId, token } }]);
    expect(await settledDelivery(key, orphan!)).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("a delivery reopened by hand whose message was lost is sent again as a manual message", async () => {
    const { accountId, key } = await newAccount();
    const hook = await createHook(key, { url: new Receiver().url() });
    const [reopened] = await storeEvent(accountId, [hook.id], Date.now() - 5 * HOUR);
    // Dead after 4 attempts, then reopened by a retry (pending, its token set) 2 hours ago.
    await bindings.DB.prepare("update deliveries set attempts = 4, message_token = ? where id = ?").bind(tokenAt(Date.now() - 2 * HOUR), reopened).run();

    const { env: recording, sent } = envRecordingDeliveries();
    await sweepStalledDeliveries(recording);
    const token = await tokenOf(reopened!);
    expect(sent.filter((s) => s.body.delivery_id === reopened)).toEqual([{ body: { delivery_id: reopened, account_id: accountId, token, manual: true } }]);
    expect(await settledDelivery(key, reopened!)).toMatchObject({ status: "succeeded", attempts: 5 });
  });
});

describe("message tokens in the consumer", () => {
  it("a message whose token is not the row's is acknowledged without an attempt; the current one is delivered", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url() });
    const [id] = await storeEvent(accountId, [hook.id]);
    const current = ulid();
    await setToken(id!, current);

    // The message sent at creation (no token), and one from an earlier sweep: both replaced.
    for (const stale of [{}, { token: tokenAt(Date.now() - HOUR) }]) {
      const counted = countingEnv(bindings);
      const batch = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, id!, 1, stale)]);
      await queue(batch, counted.env);
      const result = await getQueueResult(batch, createExecutionContext());
      expect(result.explicitAcks).toEqual([`msg-${id}`]);
      expect(result.retryMessages).toEqual([]);
      // The batch's one read, nothing written, nothing queued.
      expect(counted.d1).toEqual({ roundTrips: 1, statements: 1 });
      expect(counted.deliveries.sendCalls).toBe(0);
    }
    expect(await getDelivery(key, id!)).toMatchObject({ status: "pending", attempts: 0, attempt_log: [] });
    expect(await deliveryRequests(rx)).toHaveLength(0);

    // The current message, in a batch with a stale one of another delivery: the usual 2 round trips.
    const [other] = await storeEvent(accountId, [hook.id]);
    await setToken(other!, ulid());
    const counted = countingEnv(bindings);
    const batch = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, id!, 1, { token: current }), message(accountId, other!)]);
    await queue(batch, counted.env);
    expect([...(await getQueueResult(batch, createExecutionContext())).explicitAcks].sort()).toEqual([`msg-${id}`, `msg-${other}`].sort());
    expect(counted.d1).toEqual({ roundTrips: 2, statements: 3 });
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

    // The sweep takes it for lost (2 hours old, still pending) and queues a message with a token.
    await sweepStalledDeliveries(bindings);
    const token = await tokenOf(id!);
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
    expect(await tokenOf(id!)).toBe(token);
  });

  it("a postponed copy carries the token of the message it replaces", async () => {
    const { accountId, key } = await newAccount();
    const hook = await createHook(key, { url: new Receiver().url(), rate_limit_per_second: 0.5 });
    const [id] = await storeEvent(accountId, [hook.id]);
    const token = ulid();
    await setToken(id!, token);
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
    await setToken(replaced!, token);
    await setToken(current!, token);
    const batch = createMessageBatch<DeliveryMessage>(DLQ, [message(accountId, replaced!, 21), message(accountId, current!, 21, { token })]);
    await queue(batch, bindings);
    expect((await getQueueResult(batch, createExecutionContext())).ackAll).toBe(true);
    expect((await getDelivery(key, replaced!)).status).toBe("pending");
    expect((await getDelivery(key, current!)).status).toBe("dead");
  });
});

describe("surviving a client disconnect", () => {
  // A disconnect cannot be staged in this runtime (the test calls the handler in-process); what is
  // checked is the wiring: the work from the D1 commit to the last sendBatch is handed to waitUntil,
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

  it("publish: the commit and its queue messages run under waitUntil", async () => {
    const { key } = await newAccount();
    await createHook(key, { url: new Receiver().url() });
    await createHook(key, { url: new Receiver().url() });
    const { status, kept, sent } = await fetchKeepingWork("/v1/events", key, { type: "t", payload: {} });
    expect(status).toBe(202);
    expect(sent).toHaveLength(2);
    // Registered before any message went out, settled only once both had.
    expect(kept).toEqual([{ registeredAfter: 0, sentBySettling: 2 }]);
  });

  it("a manual retry: the reopen and its queue message run under waitUntil", async () => {
    const { accountId, key } = await newAccount();
    const hook = await createHook(key, { url: new Receiver().url() });
    const [id] = await storeEvent(accountId, [hook.id]);
    await bindings.DB.prepare("update deliveries set status = 'dead', attempts = 4 where id = ?").bind(id).run();
    const { status, kept, sent } = await fetchKeepingWork(`/v1/deliveries/${id}/retry`, key, {});
    expect(status).toBe(202);
    expect(kept).toEqual([{ registeredAfter: 0, sentBySettling: 1 }]);
    // The reopened delivery's new token travels with its message.
    expect(sent.map((s) => s.body)).toEqual([{ delivery_id: id, account_id: accountId, manual: true, token: await tokenOf(id!) }]);
    expect(await settledDelivery(key, id!)).toMatchObject({ status: "succeeded", attempts: 5 });
  });
});
