import { describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { createHook, deliveriesOf, publish, settledDelivery, waitForDeliveryRequests } from "../helpers/delivery";
import { eventually, Receiver } from "../helpers/receiver";

// Resending a delivery that succeeded: one more attempt on the same delivery, under the same
// webhook-id. A resend is refused while its event is under a minute old (its first success may still
// be buffered: src/log/first-successes.ts), so this test polls the resend until it is accepted.

async function resendWhenAccepted(key: string, id: string): Promise<any> {
  let last: any;
  await eventually(async () => (last = await call("POST", `/v1/deliveries/${id}/resend`, { token: key })).status !== 409, 80_000, 1000);
  expect(last.status).toBe(202);
  return last.body;
}

describe("resending a succeeded delivery", () => {
  it("sends it again under the same webhook-id, keeps the first success in its attempt log, and leaves a failed resend dead", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    const broken = new Receiver();
    await createHook(key, { url: rx.url(), events: ["a"] });
    await createHook(key, { url: broken.url(), events: ["b"] });
    await broken.script([{ status: 200, body: "first" }], { status: 500, body: "now down" });
    const [ea, eb] = [await publish(key, { type: "a", payload: { n: 1 } }), await publish(key, { type: "b", payload: { n: 2 } })];
    const [da] = await deliveriesOf(key, ea.id);
    const hookA = da.hook_id;
    const [db] = await deliveriesOf(key, eb.id);
    expect(await settledDelivery(key, da.id)).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(await settledDelivery(key, db.id)).toMatchObject({ status: "succeeded", attempts: 1 });

    // Under a minute old: refused, saying when to come back.
    const early = await call("POST", `/v1/deliveries/${da.id}/resend`, { token: key });
    expectErrorShape(early, 409, "conflict");
    expect(Number(early.headers.get("retry-after"))).toBeGreaterThan(0);

    const queued = await resendWhenAccepted(key, da.id);
    expect(queued).toMatchObject({ id: da.id, status: "pending" });
    const again = await settledDelivery(key, da.id, ["succeeded"]);
    expect(again.attempts).toBe(2);
    expect(again.attempt_log.map((a: any) => [a.n, a.response_status])).toEqual([
      [1, 200],
      [2, 200],
    ]);
    const reqs = await waitForDeliveryRequests(rx, 2);
    expect(reqs.map((r) => r.headers["webhook-id"])).toEqual([da.id, da.id]);
    expect(JSON.parse(reqs[1]!.body)).toEqual(JSON.parse(reqs[0]!.body));
    // Stats count deliveries by their status now: the resent one once, succeeded (its first success,
    // flushed from the first-successes buffer into a sum, is not counted beside the row again).
    const statsA = await call("GET", `/v1/hooks/${hookA}/stats`, { token: key });
    expect(statsA.body.totals).toMatchObject({ succeeded: 1, pending: 0, total: 1 });

    // A resend that fails is one attempt: dead, not rescheduled; only a succeeded delivery is resent.
    await resendWhenAccepted(key, db.id);
    const dead = await settledDelivery(key, db.id, ["dead"]);
    expect(dead).toMatchObject({ attempts: 2, next_attempt_at: null });
    expect(dead.attempt_log.map((a: any) => a.response_status)).toEqual([200, 500]);
    expect(await waitForDeliveryRequests(broken, 2)).toHaveLength(2);
    const statsB = await call("GET", `/v1/hooks/${db.hook_id}/stats`, { token: key });
    expect(statsB.body.totals).toMatchObject({ succeeded: 0, dead: 1, total: 1 });
    expectErrorShape(await call("POST", `/v1/deliveries/${db.id}/resend`, { token: key }), 409, "conflict");
    expectErrorShape(await call("POST", `/v1/deliveries/dlv_nope/resend`, { token: key }), 404, "not_found");
    const other = await newAccount();
    expectErrorShape(await call("POST", `/v1/deliveries/${da.id}/resend`, { token: other.key }), 404, "not_found");
  }, 150_000);
});
