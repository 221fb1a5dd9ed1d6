import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { queue } from "../../src/delivery/consumer";
import { FIRST_ATTEMPTS } from "../../src/delivery/first-attempt";
import type { DeliveryLog } from "../../src/durable/delivery-log";
import type { DeliveryMessage, Env } from "../../src/env";
import { updateDeliveries } from "../../src/log/writes";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { envRecordingDeliveries, message, QUEUE } from "../helpers/consumer";
import { createHook } from "../helpers/delivery";
import { inLog, logShard, seedDeliveries } from "../helpers/log";
import { logCounts } from "../helpers/log-counts";

// The delivery queue refusing a send (Queues unavailable): the Worker's fetch handler is called with
// the project's bindings but a DELIVERIES queue whose every send throws (test/helpers/consumer.ts).
//
// A publish stores its event in the account's delivery log before it asks the queue, and never undoes
// it: the publish is accepted (202), the deliveries it queues (those its Worker does not attempt
// itself, src/delivery/first-attempt.ts) are marked unsent, and the log's alarm, due seconds later,
// sends them. A retry or a recover changes deliveries only for their new messages: when the queue
// refuses those, it answers 503 and puts the deliveries back as they were.

const bindings = env as unknown as Env;
const HOUR = 3_600_000;
/** The token of a delivery whose first message could not be queued (src/durable/delivery-log.ts). */
const UNSENT_TOKEN = "0";
const ULID = /^[0-9A-Z]{26}$/;

afterEach(() => {
  vi.restoreAllMocks();
});

/** What a requeue changes and its undo must put back, per delivery. */
async function statesOf(accountId: string, ids: string[]): Promise<Array<{ id: string; status: string; next_attempt_at: string | null; attempts: number }>> {
  const log = logShard(accountId);
  const out = [];
  for (const id of ids) {
    const { delivery } = (await log.delivery(id))!;
    out.push({ id, status: delivery.status, next_attempt_at: delivery.nextAttemptAt, attempts: delivery.attempts });
  }
  return out;
}

async function tokenOf(accountId: string, deliveryId: string): Promise<string | null> {
  return (await logShard(accountId).delivery(deliveryId))!.delivery.messageToken;
}

function expectQueueUnavailable(answer: Awaited<ReturnType<typeof call>>): void {
  expectErrorShape(answer, 503, "internal_error");
  expect(answer.headers.get("retry-after")).toBe("5");
}

describe("when the delivery queue refuses", () => {
  it("a publish answers 202 with its event stored and its queued deliveries marked unsent; the log's alarm sends them, and they are delivered", async () => {
    const { accountId, key } = await newAccount();
    // The publishing Worker attempts the first FIRST_ATTEMPTS deliveries itself: one more goes to the queue.
    const hooks = FIRST_ATTEMPTS + 1;
    for (let i = 0; i < hooks; i++) await createHook(key, { url: `https://hooks.example.com/paid/${i}`, events: ["order.paid"] });
    // Every request to a hook (the Worker's first attempts, the consumer's) is answered here: nothing leaves.
    const receiver = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("ok", { status: 200 }));
    const webhookIds = () => receiver.mock.calls.map(([, init]) => new Headers(init?.headers).get("webhook-id"));
    const refusing = envRecordingDeliveries("refuse");
    const publish = (bindings: Env) =>
      call("POST", "/v1/events", { token: key, env: bindings, body: { type: "order.paid", payload: { order: 7 } }, headers: { "idempotency-key": "order-7" } });

    const accepted = await publish(refusing.env);
    // The real alarm would send through the project's queue to the real consumer, to a public host:
    // the test takes it over (it checks when it was due, then runs the alarm's work itself).
    const alarmAt = await runInDurableObject(logShard(accountId), async (_log, state) => {
      const at = await state.storage.getAlarm();
      await state.storage.deleteAlarm();
      return at;
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body.deliveries).toBe(hooks);
    // Stored for good: the event, its deliveries and the idempotency claim.
    expect(await logCounts(accountId)).toEqual({ events: 1, deliveries: hooks, idempotency_keys: 1 });
    const deliveries = (await call("GET", `/v1/deliveries?event_id=${accepted.body.id}&limit=100`, { token: key })).body.data as Array<{ id: string; status: string; attempts: number }>;
    expect(deliveries).toHaveLength(hooks);
    // The queue was asked for the one the Worker did not attempt, and refused.
    expect(refusing.sent).toHaveLength(1);
    const queued = deliveries.find((d) => d.id === refusing.sent[0]!.body.delivery_id)!;
    expect(queued).toMatchObject({ status: "pending", attempts: 0 });
    // No message carries it: marked so that the alarm's next run takes it, and that run is seconds away.
    expect(await tokenOf(accountId, queued.id)).toBe(UNSENT_TOKEN);
    expect(alarmAt).not.toBeNull();
    expect(alarmAt!).toBeLessThanOrEqual(Date.now() + 5000);
    // The others were delivered by the Worker's first attempts, once each.
    const others = deliveries.filter((d) => d.id !== queued.id).map((d) => d.id);
    expect(webhookIds().sort()).toEqual([...others].sort());
    for (const id of others) expect((await call("GET", `/v1/deliveries/${id}`, { token: key })).body).toMatchObject({ status: "succeeded", attempts: 1 });

    // The producer retries with the same key (the queue takes messages again, kept back here): the
    // claim answers the stored event, and nothing new is stored, attempted or queued.
    const accepting = envRecordingDeliveries(false);
    const repeated = await publish(accepting.env);
    expect(repeated.status).toBe(202);
    expect(repeated.body).toMatchObject({ id: accepted.body.id, deliveries: hooks });
    expect(accepting.sent).toEqual([]);
    expect(receiver).toHaveBeenCalledTimes(others.length);
    expect(await logCounts(accountId)).toEqual({ events: 1, deliveries: hooks, idempotency_keys: 1 });

    // The alarm's run sends the unsent delivery at once (its message kept back: the test hands it on)...
    const resent = envRecordingDeliveries(false);
    expect(await runInDurableObject(logShard(accountId), (log) => (log as DeliveryLog).upkeep(resent.env))).toBe(1);
    const token = await tokenOf(accountId, queued.id);
    expect(token).toMatch(ULID);
    expect(resent.sent.map((s) => s.body)).toEqual([{ delivery_id: queued.id, account_id: accountId, token }]);
    // ...and re-arms itself.
    expect(await runInDurableObject(logShard(accountId), (_log, state) => state.storage.getAlarm())).not.toBeNull();

    // That message, handed to the consumer, delivers it: one request to its hook, one attempt, succeeded.
    const batch = createMessageBatch<DeliveryMessage>(QUEUE, [{ ...message(accountId, queued.id), body: resent.sent[0]!.body }]);
    await queue(batch, bindings);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual([`msg-${queued.id}`]);
    expect(webhookIds().filter((id) => id === queued.id)).toHaveLength(1);
    expect(receiver).toHaveBeenCalledTimes(hooks);
    expect((await call("GET", `/v1/deliveries/${queued.id}`, { token: key })).body).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("a retry or a recover answers 503, and the dead, skipped and failed deliveries it reopened are as they were", async () => {
    const { accountId, key } = await newAccount();
    const hook = await createHook(key, { url: "https://hooks.example.com/jobs", events: [] });
    const createdAt = new Date(Date.now() - HOUR).toISOString();
    const ids = await seedDeliveries(accountId, "job.done", [
      { hookId: hook.id, status: "dead", createdAt },
      { hookId: hook.id, status: "skipped", createdAt },
      { hookId: hook.id, status: "failed", createdAt },
    ]);
    const [dead, skipped, failed] = ids as [string, string, string];
    // As the consumer leaves them: nothing due for a dead or skipped delivery, the failed one's retry due in an hour.
    const retryAt = new Date(Date.now() + HOUR).toISOString();
    await inLog(accountId, (db) => updateDeliveries(db, ids, (d, id) => ((d.na = id === failed ? retryAt : null), true)));
    const before = await statesOf(accountId, ids);
    expect(before.map((d) => d.status)).toEqual(["dead", "skipped", "failed"]);
    expect(before.map((d) => d.next_attempt_at)).toEqual([null, null, retryAt]);

    const refusing = envRecordingDeliveries("refuse");
    for (const id of [dead, skipped]) {
      expectQueueUnavailable(await call("POST", `/v1/deliveries/${id}/retry`, { token: key, env: refusing.env, body: {} }));
      expect(await statesOf(accountId, ids)).toEqual(before);
    }
    // recover reopens the dead and the skipped one and requeues the failed one.
    const since = new Date(Date.now() - 2 * HOUR).toISOString();
    expectQueueUnavailable(await call("POST", `/v1/hooks/${hook.id}/recover`, { token: key, env: refusing.env, body: { since } }));
    expect(await statesOf(accountId, ids)).toEqual(before);
    // Each call did ask the queue (the requeue was attempted, not refused earlier for another reason).
    expect(refusing.sent.map((s) => s.body.delivery_id).sort()).toEqual([dead, skipped, ...ids].sort());
  });
});
