import { describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { createHook, deliveriesOf, publish, settledDelivery, waitForDeliveryRequests, deliveryRequests } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// A hook's own delivery policy against the real receiver. The delivery project's deployment
// defaults are RETRY_SCHEDULE=1,1,1 (four attempts) and DELIVERY_TIMEOUT_MS=2000; each policy below
// is chosen to differ from them. As in retries.test.ts, "nothing more is sent" is read from the
// settled delivery (dead, no next attempt: the consumer acts on no automatic message of it again),
// and every request the receiver got is an attempt recorded on it.

async function onlyDelivery(key: string, eventId: string): Promise<any> {
  const list = await deliveriesOf(key, eventId);
  expect(list).toHaveLength(1);
  return list[0];
}

describe("per-hook delivery policy", () => {
  it("ends the retries at a 4xx under the client_errors preset: dead after one attempt, one request", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    await rx.script([], { status: 400, body: "bad payload" });
    await createHook(key, { url: rx.url(), events: [], final_statuses: "client_errors" });
    const ev = await publish(key, { type: "a", payload: {} });
    const d = await settledDelivery(key, (await onlyDelivery(key, ev.id)).id);
    expect(d).toMatchObject({ status: "dead", attempts: 1, next_attempt_at: null });
    expect(d.attempt_log.map((a: any) => a.response_status)).toEqual([400]);
    expect(await deliveryRequests(rx)).toHaveLength(1);
  });

  it("still retries a 429 under the preset, and a 4xx without a policy", async () => {
    const { key } = await newAccount();
    const limited = new Receiver();
    const plain = new Receiver();
    await limited.script([{ status: 429 }]);
    await plain.script([{ status: 404 }]);
    await createHook(key, { url: limited.url(), events: ["x"], final_statuses: "client_errors" });
    await createHook(key, { url: plain.url(), events: ["y"] });
    const [ex, ey] = [await publish(key, { type: "x", payload: {} }), await publish(key, { type: "y", payload: {} })];
    const dx = await settledDelivery(key, (await onlyDelivery(key, ex.id)).id);
    const dy = await settledDelivery(key, (await onlyDelivery(key, ey.id)).id);
    expect(dx.attempt_log.map((a: any) => a.response_status)).toEqual([429, 200]);
    expect(dy.attempt_log.map((a: any) => a.response_status)).toEqual([404, 200]);
  });

  it("makes exactly the listed statuses final", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    await rx.script([{ status: 500 }, { status: 422 }, { status: 500 }]);
    await createHook(key, { url: rx.url(), events: [], final_statuses: [422] });
    const ev = await publish(key, { type: "a", payload: {} });
    const d = await settledDelivery(key, (await onlyDelivery(key, ev.id)).id);
    expect(d).toMatchObject({ status: "dead", attempts: 2, next_attempt_at: null });
    expect(d.attempt_log.map((a: any) => a.response_status)).toEqual([500, 422]);
    expect(await deliveryRequests(rx)).toHaveLength(2);
  });

  it("follows the hook's own retry schedule: its waits and its number of attempts, not the deployment's", async () => {
    const { key } = await newAccount();
    const longer = new Receiver();
    const none = new Receiver();
    await longer.script([], { status: 500 });
    await none.script([], { status: 500 });
    await createHook(key, { url: longer.url(), events: ["x"], retry_schedule: [3, 0, 0, 0, 0] });
    await createHook(key, { url: none.url(), events: ["y"], retry_schedule: [] });
    const [ex, ey] = [await publish(key, { type: "x", payload: {} }), await publish(key, { type: "y", payload: {} })];

    const dy = await settledDelivery(key, (await onlyDelivery(key, ey.id)).id);
    expect(dy).toMatchObject({ status: "dead", attempts: 1 });
    const dx = await settledDelivery(key, (await onlyDelivery(key, ex.id)).id);
    expect(dx).toMatchObject({ status: "dead", attempts: 6, next_attempt_at: null });
    const reqs = await waitForDeliveryRequests(longer, 6);
    expect(reqs).toHaveLength(6);
    // 3 s jittered by ±20 %: at least 2.4 s; the deployment's would be about 1 s.
    expect(reqs[1]!.at - reqs[0]!.at).toBeGreaterThanOrEqual(2400);
    expect(await deliveryRequests(none)).toHaveLength(1);
  });

  it("gives up on a slow answer after the hook's timeout, not the deployment's", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    // 1 s is well within the deployment's 2 s: only the hook's 300 ms makes it a timeout.
    await rx.script([{ status: 200, delay_ms: 1000 }]);
    await createHook(key, { url: rx.url(), events: [], delivery_timeout_ms: 300 });
    const ev = await publish(key, { type: "a", payload: {} });
    const d = await settledDelivery(key, (await onlyDelivery(key, ev.id)).id);
    expect(d).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(d.attempt_log[0]).toMatchObject({ response_status: null, error: "timed out after 300 ms" });
  });

  it("shows, changes and clears the policy, and refuses one out of bounds", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    const h = await createHook(key, { url: rx.url(), events: [] });
    expect(h).toMatchObject({ retry_schedule: null, delivery_timeout_ms: null, final_statuses: null });
    const set = await call("PATCH", `/v1/hooks/${h.id}`, { token: key, body: { retry_schedule: [10, 60], delivery_timeout_ms: 1500, final_statuses: [400, 410] } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ retry_schedule: [10, 60], delivery_timeout_ms: 1500, final_statuses: [400, 410] });
    const got = await call("GET", `/v1/hooks/${h.id}`, { token: key });
    expect(got.body).toMatchObject({ retry_schedule: [10, 60], delivery_timeout_ms: 1500, final_statuses: [400, 410] });
    const cleared = await call("PATCH", `/v1/hooks/${h.id}`, { token: key, body: { retry_schedule: null, delivery_timeout_ms: null, final_statuses: null } });
    expect(cleared.body).toMatchObject({ retry_schedule: null, delivery_timeout_ms: null, final_statuses: null });

    // Above the deployment's DELIVERY_TIMEOUT_MS (2000 here): 422 naming the bound.
    const tooSlow = await call("PATCH", `/v1/hooks/${h.id}`, { token: key, body: { delivery_timeout_ms: 2001 } });
    expectErrorShape(tooSlow, 422, "unprocessable");
    expect(tooSlow.body.error.message).toContain("2000");
    const bad = [
      { retry_schedule: Array(21).fill(1) },
      { retry_schedule: [43_201] },
      { retry_schedule: [-1] },
      { retry_schedule: [1.5] },
      { delivery_timeout_ms: 50 },
      { final_statuses: [200] },
      { final_statuses: "server_errors" },
    ];
    for (const body of bad) expectErrorShape(await call("PATCH", `/v1/hooks/${h.id}`, { token: key, body }), 400, "validation_failed");
    expect((await call("POST", "/v1/hooks", { token: key, body: { name: "slow", url: rx.url(), delivery_timeout_ms: 5000 } })).status).toBe(422);
    expect((await call("POST", "/v1/hooks", { token: key, body: { name: "ok", url: rx.url(), retry_schedule: Array(20).fill(43_200), final_statuses: "client_errors" } })).status).toBe(201);
  });
});
