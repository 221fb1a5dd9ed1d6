import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { queue } from "../../src/delivery/consumer";
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
// it: the publish is accepted (202), its deliveries are marked unsent, and the log's alarm, due
// seconds later, sends them. A retry or a recover changes deliveries only for their new messages: when
// the queue refuses those, it answers 503 and puts the deliveries back as they were.

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
  it("a publish answers 202 with its event stored and its deliveries marked unsent; the log's alarm sends them, and they are delivered", async () => {
    const { accountId, key } = await newAccount();
    await createHook(key, { url: "https://hooks.example.com/paid", events: ["order.paid"] });
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
    expect(accepted.body.deliveries).toBe(1);
    expect(refusing.sent).toHaveLength(1); // the queue was asked, and refused
    // Stored for good: the event, its delivery and the idempotency claim.
    expect(await logCounts(accountId)).toEqual({ events: 1, deliveries: 1, idempotency_keys: 1 });
    const [delivery] = (await call("GET", `/v1/deliveries?event_id=${accepted.body.id}`, { token: key })).body.data;
    expect(delivery).toMatchObject({ status: "pending", attempts: 0 });
    expect(refusing.sent.map((s) => s.body.delivery_id)).toEqual([delivery.id]);
    // No message carries it: marked so that the alarm's next run takes it, and that run is seconds away.
    expect(await tokenOf(accountId, delivery.id)).toBe(UNSENT_TOKEN);
    expect(alarmAt).not.toBeNull();
    expect(alarmAt!).toBeLessThanOrEqual(Date.now() + 5000);

    // The producer retries with the same key (the queue takes messages again, kept back here): the
    // claim answers the stored event, and nothing new is stored or queued.
    const accepting = envRecordingDeliveries(false);
    const repeated = await publish(accepting.env);
    expect(repeated.status).toBe(202);
    expect(repeated.body).toMatchObject({ id: accepted.body.id, deliveries: 1 });
    expect(accepting.sent).toEqual([]);
    expect(await logCounts(accountId)).toEqual({ events: 1, deliveries: 1, idempotency_keys: 1 });

    // The alarm's run sends the unsent delivery at once (its message kept back, not sent to the public host)...
    const resent = envRecordingDeliveries(false);
    expect(await runInDurableObject(logShard(accountId), (log) => (log as DeliveryLog).upkeep(resent.env))).toBe(1);
    const token = await tokenOf(accountId, delivery.id);
    expect(token).toMatch(ULID);
    expect(resent.sent.map((s) => s.body)).toEqual([{ delivery_id: delivery.id, account_id: accountId, token }]);
    // ...and re-arms itself.
    expect(await runInDurableObject(logShard(accountId), (_log, state) => state.storage.getAlarm())).not.toBeNull();

    // That message, handed to the consumer, delivers it: one request to the hook, one attempt, succeeded.
    const receiver = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("ok", { status: 200 }));
    const batch = createMessageBatch<DeliveryMessage>(QUEUE, [{ ...message(accountId, delivery.id), body: resent.sent[0]!.body }]);
    await queue(batch, bindings);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual([`msg-${delivery.id}`]);
    expect(receiver).toHaveBeenCalledTimes(1);
    const [url, init] = receiver.mock.calls[0]!;
    expect(String(url)).toBe("https://hooks.example.com/paid");
    expect(new Headers(init?.headers).get("webhook-id")).toBe(delivery.id);
    expect((await call("GET", `/v1/deliveries/${delivery.id}`, { token: key })).body).toMatchObject({ status: "succeeded", attempts: 1 });
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
    await inLog(accountId, (sql, parts) => updateDeliveries(sql, parts, ids, (d, id) => ((d.na = id === failed ? retryAt : null), true)));
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
