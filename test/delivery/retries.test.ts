import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { attemptedDelivery, createHook, deliveriesOf, publish, publishAnsweredFirst, settledDelivery, waitForDeliveryRequests } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// The delivery project runs with RETRY_SCHEDULE=1,1,1: four attempts, about a second apart.
// "Nothing more is sent" is read from the delivery itself, not waited for: a settled delivery
// (succeeded, dead, skipped) with no next attempt has no automatic message left that the consumer
// would act on (it ignores every message of a settled delivery but a manual one, src/delivery/consumer.ts),
// and every request sent is an attempt recorded on it.

async function onlyDelivery(key: string, eventId: string): Promise<any> {
  const list = await deliveriesOf(key, eventId);
  expect(list).toHaveLength(1);
  return list[0];
}

describe("retries, dead deliveries and redelivery", () => {
  it("delivers on the third attempt to a receiver that fails the first two, with three attempts recorded", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    await rx.script([{ status: 500, body: "boom" }, { status: 503, body: "busy", headers: { "retry-after": "1" } }]);
    const hook = await createHook(key, { url: rx.url(), events: ["job.*"] });
    const ev = await publish(key, { type: "job.done", payload: { id: 1 } });
    const d = await settledDelivery(key, (await onlyDelivery(key, ev.id)).id);
    expect(d).toMatchObject({ status: "succeeded", attempts: 3, hook_id: hook.id, next_attempt_at: null });
    expect(d.attempt_log.map((a: any) => [a.n, a.response_status, a.response_body, a.error])).toEqual([
      [1, 500, "boom", "HTTP 500"],
      [2, 503, "busy", "HTTP 503"],
      [3, 200, "ok", null],
    ]);
    const reqs = await waitForDeliveryRequests(rx, 3);
    expect(reqs).toHaveLength(3);
    // The same webhook-id on every retry; a fresh timestamp on each.
    expect(new Set(reqs.map((r) => r.headers["webhook-id"]))).toEqual(new Set([d.id]));
    expect(reqs[2]!.at - reqs[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it("ends dead after the configured attempts, then retry and recover deliver again once the receiver is back", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    await rx.script([], { status: 500, body: "down" });
    const hook = await createHook(key, { url: rx.url(), events: [] });
    const since = new Date().toISOString();
    const [e1, e2, e3] = [await publish(key, { type: "a", payload: { n: 1 } }), await publish(key, { type: "a", payload: { n: 2 } }), await publish(key, { type: "a", payload: { n: 3 } })];
    const ids = await Promise.all([e1, e2, e3].map(async (e) => (await onlyDelivery(key, e.id)).id as string));
    for (const id of ids) {
      const dead = await settledDelivery(key, id);
      expect(dead).toMatchObject({ status: "dead", attempts: 4, next_attempt_at: null });
      expect(dead.attempt_log.map((a: any) => a.response_status)).toEqual([500, 500, 500, 500]);
    }
    expect(await waitForDeliveryRequests(rx, 12)).toHaveLength(12);

    // A dead delivery is not sent again by itself, and a succeeded one cannot be retried.
    await rx.script([], { status: 200, body: "back" });
    const retried = await call("POST", `/v1/deliveries/${ids[0]}/retry`, { token: key });
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: ids[0], status: "pending" });
    const again = await settledDelivery(key, ids[0]!, ["succeeded"]);
    expect(again.attempts).toBe(5);
    expect(again.attempt_log[4]).toMatchObject({ n: 5, response_status: 200, response_body: "back" });
    expectErrorShape(await call("POST", `/v1/deliveries/${ids[0]}/retry`, { token: key }), 409, "conflict");

    const recovered = await call("POST", `/v1/hooks/${hook.id}/recover`, { token: key, body: { since } });
    expect(recovered.status).toBe(202);
    expect(recovered.body).toEqual({ requeued: 2, next_since: null });
    for (const id of ids.slice(1)) expect(await settledDelivery(key, id, ["succeeded"])).toMatchObject({ attempts: 5, next_attempt_at: null });
    // Exactly one more request per redelivered delivery, all three settled with nothing left to send.
    expect(await waitForDeliveryRequests(rx, 15)).toHaveLength(15);
    const nothingLeft = await call("POST", `/v1/hooks/${hook.id}/recover`, { token: key, body: { since } });
    expect(nothingLeft.body).toEqual({ requeued: 0, next_since: null });
   }, 120_000);

  it("does not reschedule a manual retry that fails", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    await rx.script([], { status: 500 });
    await createHook(key, { url: rx.url(), events: [] });
    const ev = await publish(key, { type: "a", payload: {} });
    const id = (await onlyDelivery(key, ev.id)).id;
    await settledDelivery(key, id, ["dead"]);
    expect((await call("POST", `/v1/deliveries/${id}/retry`, { token: key })).status).toBe(202);
    // What the manual attempt decided: dead again, no next attempt (a rescheduled one would be `failed`
    // with a next_attempt_at), so nothing more is sent.
    expect(await attemptedDelivery(key, id, 5)).toMatchObject({ status: "dead", attempts: 5, next_attempt_at: null });
    expect(await waitForDeliveryRequests(rx, 5)).toHaveLength(5);
  });

  it("disables a hook that answers 410 Gone, and its pending deliveries end skipped", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    await rx.script([{ status: 410, body: "gone" }]);
    const hook = await createHook(key, { url: rx.url(), events: [] });
    const ev = await publish(key, { type: "a", payload: {} });
    const d = await settledDelivery(key, (await onlyDelivery(key, ev.id)).id);
    expect(d).toMatchObject({ status: "skipped", attempts: 1 });
    expect(d.attempt_log[0]).toMatchObject({ response_status: 410, error: "HTTP 410" });
    const h = await call("GET", `/v1/hooks/${hook.id}`, { token: key });
    expect(h.body).toMatchObject({ enabled: false, disabled_reason: "the receiver answered 410 Gone" });
    // A disabled hook gets no new deliveries, and redelivery is refused until it is enabled again.
    expect((await publish(key, { type: "a", payload: {} })).deliveries).toBe(0);
    expectErrorShape(await call("POST", `/v1/deliveries/${d.id}/retry`, { token: key }), 409, "conflict");
    expect(await waitForDeliveryRequests(rx, 1)).toHaveLength(1);
  });

  it("skips deliveries whose hook was disabled or deleted before the next attempt", async () => {
    const { key } = await newAccount();
    const a = new Receiver();
    const b = new Receiver();
    // 503 with Retry-After: 2 stretches the wait before the second attempt to 2 s (twice the
    // scheduled 1 s, the most a Retry-After may ask for), time enough to disable and delete the hooks.
    await a.script([{ status: 503, headers: { "retry-after": "2" } }]);
    await b.script([{ status: 503, headers: { "retry-after": "2" } }]);
    const ha = await createHook(key, { url: a.url(), events: ["x"] });
    const hb = await createHook(key, { url: b.url(), events: ["x"] });
    // Answered at once: the retry is made by the publishing Worker (or the queue) after the changes below.
    const { event: ev, done } = await publishAnsweredFirst(key, { type: "x", payload: {} });
    await waitForDeliveryRequests(a, 1);
    await waitForDeliveryRequests(b, 1);
    expect((await call("POST", `/v1/hooks/${ha.id}/disable`, { token: key })).status).toBe(200);
    expect((await call("DELETE", `/v1/hooks/${hb.id}`, { token: key })).status).toBe(200);
    await done;
    const deliveries = await deliveriesOf(key, ev.id);
    expect(deliveries.map((d) => d.hook_id).sort()).toEqual([ha.id, hb.id].sort());
    for (const d of deliveries) {
      const settled = await settledDelivery(key, d.id);
      expect(settled).toMatchObject({ status: "skipped", attempts: 1, next_attempt_at: null });
    }
    expect(await waitForDeliveryRequests(a, 1)).toHaveLength(1);
    expect(await waitForDeliveryRequests(b, 1)).toHaveLength(1);
  });

  it("disables a hook after AUTO_DISABLE_AFTER_SECONDS of nothing but failures", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    await rx.script([], { status: 500 });
    const hook = await createHook(key, { url: rx.url(), events: [] });
    // The hook has been failing for six days (the configured limit is the default five).
    const sixDaysAgo = new Date(Date.now() - 6 * 86_400_000).toISOString();
    await env.DB.prepare("update hooks set failing_since = ? where id = ?").bind(sixDaysAgo, hook.id).run();
    const ev = await publish(key, { type: "a", payload: {} });
    const d = await settledDelivery(key, (await onlyDelivery(key, ev.id)).id);
    expect(d).toMatchObject({ status: "skipped", attempts: 1 });
    const h = await call("GET", `/v1/hooks/${hook.id}`, { token: key });
    expect(h.body.enabled).toBe(false);
    expect(h.body.disabled_reason).toBe(`every delivery failed for 5 days (failing since ${sixDaysAgo})`);

    // A success clears the failure record: a hook that recovers is never disabled for old failures.
    const healthy = new Receiver();
    const ok = await createHook(key, { url: healthy.url(), events: [] });
    await env.DB.prepare("update hooks set failing_since = ? where id = ?").bind(sixDaysAgo, ok.id).run();
    const ev2 = await publish(key, { type: "b", payload: {} });
    const d2 = (await deliveriesOf(key, ev2.id)).find((x) => x.hook_id === ok.id);
    expect(await settledDelivery(key, d2.id)).toMatchObject({ status: "succeeded" });
    const row = await env.DB.prepare("select failing_since, enabled from hooks where id = ?").bind(ok.id).first();
    expect(row).toEqual({ failing_since: null, enabled: 1 });
  });
});
