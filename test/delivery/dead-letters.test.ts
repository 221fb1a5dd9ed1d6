import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { queue } from "../../src/delivery/consumer";
import type { DeliveryMessage, Env } from "../../src/env";
import type { DeliveryStatus } from "../../src/log/records";
import { updateDeliveries } from "../../src/log/writes";
import { newAccount } from "../helpers/api";
import { DLQ, envRecordingDeadLetters, message, QUEUE, storeEvent } from "../helpers/consumer";
import { createHook, getDelivery } from "../helpers/delivery";
import { inLog } from "../helpers/log";
import { Receiver } from "../helpers/receiver";

/** Sets a stored delivery's status and attempt count, as earlier attempts left it. */
function setDelivery(accountId: string, id: string, status: DeliveryStatus, attempts: number): Promise<unknown> {
  return inLog(accountId, (db) => updateDeliveries(db, [id], (d) => ((d.s = status), (d.n = attempts), true)));
}

describe("the dead-letter queue", () => {
  it("receives a delivery whose last scheduled attempt failed, marked dead", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    await rx.script([], { status: 500, body: "down" });
    const hook = await createHook(key, { url: rx.url() });
    const [id] = await storeEvent(accountId, [hook.id]);
    // Two attempts already failed (the queue's count of the message and the attempt log agree).
    await setDelivery(accountId, id!, "failed", 2);
    const { env: testEnv, deadLettered } = envRecordingDeadLetters();
    // Not yet the last attempt (RETRY_SCHEDULE=1,1,1 allows 4): retried, not dead-lettered.
    const third = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, id!, 3)]);
    await queue(third, testEnv);
    expect((await getQueueResult(third, createExecutionContext())).retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual([`msg-${id}`]);
    expect(await getDelivery(key, id!)).toMatchObject({ status: "failed", attempts: 3 });
    expect(deadLettered).toEqual([]);
    const fourth = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, id!, 4)]);
    await queue(fourth, testEnv);
    expect((await getQueueResult(fourth, createExecutionContext())).explicitAcks).toEqual([`msg-${id}`]);
    expect(await getDelivery(key, id!)).toMatchObject({ status: "dead", attempts: 4, next_attempt_at: null });
    expect(deadLettered).toEqual([{ delivery_id: id, account_id: accountId }]);
  });

  it("the dead-letter consumer marks dead a delivery the queue gave up on, and leaves settled ones alone", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url() });
    const [stuck, done] = await storeEvent(accountId, [hook.id, hook.id]);
    await setDelivery(accountId, stuck!, "failed", 2);
    await setDelivery(accountId, done!, "succeeded", 1);
    const batch = createMessageBatch<DeliveryMessage>(DLQ, [message(accountId, stuck!, 21), message(accountId, done!, 1)]);
    await queue(batch, env as unknown as Env);
    expect((await getQueueResult(batch, createExecutionContext())).ackAll).toBe(true);
    expect(await getDelivery(key, stuck!)).toMatchObject({ status: "dead", attempts: 2, next_attempt_at: null });
    expect((await getDelivery(key, done!)).status).toBe("succeeded");
  });
});
