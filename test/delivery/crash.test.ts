import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { queue } from "../../src/delivery/consumer";
import type { DeliveryMessage } from "../../src/env";
import { newAccount } from "../helpers/api";
import { envRecordingDeadLetters, message, QUEUE, storeEvent } from "../helpers/consumer";
import { createHook, deliveriesOf, deliveryRequests, getDelivery, publish, settledDelivery } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// A delivery whose processing throws (here: its hook's secret was sealed under a key this hookrouter
// does not have, a real misconfiguration written straight into D1) must not take the rest of its
// queue batch down, and must itself end somewhere: dead, with the reason in its attempt log.

const UNOPENABLE_SECRET = "v1.00000000.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAA";

async function breakSecret(hookId: string): Promise<void> {
  await env.DB.prepare("update hooks set secret_sealed = ? where id = ?").bind(UNOPENABLE_SECRET, hookId).run();
}

describe("an exception inside the consumer", () => {
  it("retries only the message that failed, acknowledges the others, and gives up after the configured tries (dead-lettered)", async () => {
    const { accountId, key } = await newAccount();
    const [ra, rb, rc] = [new Receiver(), new Receiver(), new Receiver()];
    const [a, b, c] = [await createHook(key, { url: ra.url() }), await createHook(key, { url: rb.url() }), await createHook(key, { url: rc.url() })];
    await breakSecret(b.id);
    const [da, db, dc] = await storeEvent(accountId, [a.id, b.id, c.id]);

    const { env: testEnv, deadLettered } = envRecordingDeadLetters();
    const batch = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, da!), message(accountId, db!), message(accountId, dc!)]);
    const ctx = createExecutionContext();
    await queue(batch, testEnv);
    const result = await getQueueResult(batch, ctx);
    expect(result.outcome).toBe("ok");
    expect(result.ackAll).toBe(false);
    expect([...result.explicitAcks].sort()).toEqual([`msg-${da}`, `msg-${dc}`].sort());
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual([`msg-${db}`]);
    expect((await getDelivery(key, da!)).status).toBe("succeeded");
    expect((await getDelivery(key, dc!)).status).toBe("succeeded");
    expect(await getDelivery(key, db!)).toMatchObject({ status: "pending", attempts: 0 });
    expect(await deliveryRequests(rb)).toHaveLength(0);

    // The queue hands it back; on the last try the schedule allows (4 with RETRY_SCHEDULE=1,1,1) it ends.
    const last = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, db!, 4)]);
    await queue(last, testEnv);
    const lastResult = await getQueueResult(last, createExecutionContext());
    expect(lastResult.explicitAcks).toEqual([`msg-${db}`]);
    expect(lastResult.retryMessages).toEqual([]);
    const dead = await getDelivery(key, db!);
    expect(dead).toMatchObject({ status: "dead", attempts: 1 });
    expect(dead.attempt_log[0].response_status).toBeNull();
    expect(dead.attempt_log[0].error).toMatch(/^not sent: hookrouter failed to process this delivery 4 times \(no encryption key with id 00000000/);
    expect(deadLettered).toEqual([{ delivery_id: db, account_id: accountId }]);

    // Processing is idempotent: the same messages again send nothing more.
    const replay = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, da!, 2), message(accountId, db!, 5), message(accountId, dc!, 2)]);
    await queue(replay, testEnv);
    expect((await getQueueResult(replay, createExecutionContext())).explicitAcks).toHaveLength(3);
    expect(await deliveryRequests(ra)).toHaveLength(1);
    expect(await deliveryRequests(rc)).toHaveLength(1);
  });

  it("through the real queue: every delivery of the batch still ends succeeded or dead", async () => {
    const { key } = await newAccount();
    const [ra, rb, rc] = [new Receiver(), new Receiver(), new Receiver()];
    const hooks = [await createHook(key, { url: ra.url() }), await createHook(key, { url: rb.url() }), await createHook(key, { url: rc.url() })];
    await breakSecret(hooks[1]!.id);
    const ev = await publish(key, { type: "t", payload: { k: 1 } });
    const byHook = new Map((await deliveriesOf(key, ev.id)).map((d) => [d.hook_id, d.id]));
    const settled = await Promise.all(hooks.map((h) => settledDelivery(key, byHook.get(h.id))));
    expect(settled.map((d) => d.status)).toEqual(["succeeded", "dead", "succeeded"]);
    expect(settled[1].attempt_log.at(-1).error).toContain("no encryption key with id 00000000");
    expect(await deliveryRequests(rb)).toHaveLength(0);
  });
});
