import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { queue } from "../../src/delivery/consumer";
import type { DeliveryMessage, Env } from "../../src/env";
import { newAccount } from "../helpers/api";
import { message, QUEUE, storeEvent } from "../helpers/consumer";
import { countingEnv } from "../helpers/counting";
import { getDelivery } from "../helpers/delivery";
import { FakeSlackTeam, insertSlackHook } from "../helpers/fake-slack";

// A queue batch of Slack deliveries costs what a batch of webhooks does (test/delivery/cost.test.ts):
// the account's Slack connection comes with the batch's one read, not one read per delivery.

const bindings = env as unknown as Env;

async function runBatch(accountId: string, ids: string[]) {
  const counted = countingEnv(bindings);
  const batch = createMessageBatch<DeliveryMessage>(QUEUE, ids.map((id) => message(accountId, id)));
  await queue(batch, counted.env);
  return { result: await getQueueResult(batch, createExecutionContext()), ...counted };
}

describe("cost of a queue batch of Slack deliveries", () => {
  it("3 deliveries to 3 channels: one D1 read, nothing written to D1, as for webhooks", async () => {
    const { accountId, key } = await newAccount();
    const slack = new FakeSlackTeam();
    expect((await slack.connect(key)).status).toBe(200);
    const channels = ["C0COST1", "C0COST2", "C0COST3"];
    const hooks = await Promise.all(channels.map((c) => insertSlackHook(accountId, c)));
    const ids = await storeEvent(accountId, hooks.map((h) => h.id));

    const { result, d1 } = await runBatch(accountId, ids);
    expect([...result.explicitAcks].sort()).toEqual(ids.map((id) => `msg-${id}`).sort());
    // One read (the hooks joined to the Slack connection); the outcomes go to the delivery log.
    expect(d1).toEqual({ roundTrips: 1, statements: 1 });
    expect((await slack.calls("chat.postMessage")).map((c) => c.body.channel).sort()).toEqual(channels);
    for (const id of ids) expect(await getDelivery(key, id)).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("an account without a Slack connection: the attempt fails with the reason; D1 is only read (the failure leaves the breaker closed)", async () => {
    const { accountId, key } = await newAccount();
    const hook = await insertSlackHook(accountId, "C0NOCONN");
    const [id] = await storeEvent(accountId, [hook.id]);

    const { result, d1 } = await runBatch(accountId, [id!]);
    expect(result.retryMessages).toHaveLength(1);
    // The read alone: the hook's row is written only when its breaker opens or closes.
    expect(d1).toEqual({ roundTrips: 1, statements: 1 });
    const delivery = await getDelivery(key, id!);
    expect(delivery).toMatchObject({ status: "failed", attempts: 1 });
    expect(delivery.attempt_log[0].error).toContain("no Slack workspace is connected");
  });
});
