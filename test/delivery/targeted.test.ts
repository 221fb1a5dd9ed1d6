import { describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { createHook, deliveriesOf, deliveryRequests, publish, settledDelivery, waitForDeliveryRequests } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// A targeted send (`hook_ids` on POST /v1/events): one message to one named hook, whatever it
// subscribes to. Every delivery an event makes exists from its publish on, so "no other hook got
// it" is read from the event's deliveries, and "nothing else was sent" from the receivers.

describe("publishing to named hooks (hook_ids)", () => {
  it("delivers to the named hooks only, even when they subscribe to other types, and to no matching hook", async () => {
    const { key } = await newAccount();
    const target = new Receiver();
    const matching = new Receiver();
    const named = await createHook(key, { url: target.url(), events: ["billing.invoice_paid"], applications: ["billing"] });
    const bystander = await createHook(key, { url: matching.url(), events: [] });

    const ev = await publish(key, { type: "alert.sent", payload: { text: "hello" }, hook_ids: [named.id, named.id] });
    expect(ev.deliveries).toBe(1);
    const list = await deliveriesOf(key, ev.id);
    expect(list.map((d) => d.hook_id)).toEqual([named.id]);
    expect(await settledDelivery(key, list[0].id)).toMatchObject({ status: "succeeded", attempts: 1 });
    const [got] = await waitForDeliveryRequests(target, 1);
    expect(JSON.parse(got!.body)).toMatchObject({ type: "alert.sent", data: { text: "hello" } });
    expect(got!.headers["webhook-id"]).toBe(list[0].id);

    // The same event type without hook_ids fans out as usual: the bystander gets it, the named hook
    // (which does not subscribe to it) does not.
    const fanned = await publish(key, { type: "alert.sent", payload: {} });
    expect((await deliveriesOf(key, fanned.id)).map((d) => d.hook_id)).toEqual([bystander.id]);
    await waitForDeliveryRequests(matching, 1);
    expect(await deliveryRequests(target)).toHaveLength(1);
    expect((await deliveryRequests(matching)).map((r) => r.headers["webhook-id"])).toEqual([(await deliveriesOf(key, fanned.id))[0].id]);
  });

  it("gives a disabled named hook no delivery, and answers 422 naming unknown, foreign and pre-hook ids", async () => {
    const { key } = await newAccount();
    const other = await newAccount();
    const rx = new Receiver();
    const off = await createHook(key, { url: rx.url(), events: [], enabled: false });
    const live = await createHook(key, { url: rx.url(), events: [] });
    const gate = await createHook(key, { url: rx.url(), events: ["deploy"], phase: "pre" });
    const foreign = await createHook(other.key, { url: rx.url(), events: [] });

    const ev = await publish(key, { type: "x", payload: {}, hook_ids: [off.id] });
    expect(ev.deliveries).toBe(0);
    expect(await deliveriesOf(key, ev.id)).toEqual([]);

    const refused = await call("POST", "/v1/events", { token: key, body: { type: "x", payload: {}, hook_ids: [live.id, foreign.id, "hook_nope", gate.id] } });
    expectErrorShape(refused, 422, "unprocessable");
    expect(refused.body.error.message).toContain(foreign.id);
    expect(refused.body.error.message).toContain("hook_nope");
    expect(refused.body.error.message).toContain(gate.id);
    expect(refused.body.error.message).not.toContain(live.id);
    expect(refused.body.error.details.map((d: any) => d.path)).toEqual(["hook_ids", "hook_ids", "hook_ids"]);
    // Nothing was stored or sent for the refused publish, nor for the disabled hook.
    const listed = await call("GET", "/v1/events?limit=10", { token: key });
    expect(listed.body.data.map((e: any) => e.id)).toEqual([ev.id]);
    expect(await deliveryRequests(rx)).toHaveLength(0);

    expectErrorShape(await call("POST", "/v1/events", { token: key, body: { type: "x", payload: {}, hook_ids: [] } }), 400, "validation_failed");
  });

  it("keeps the catalog's rule: a type outside the account's catalog is refused, named hooks or not", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    const h = await createHook(key, { url: rx.url(), events: [] });
    expect((await call("PUT", "/v1/event-types/known", { token: key, body: {} })).status).toBe(200);
    expectErrorShape(await call("POST", "/v1/events", { token: key, body: { type: "unknown", payload: {}, hook_ids: [h.id] } }), 422, "unprocessable");
    expect((await publish(key, { type: "known", payload: {}, hook_ids: [h.id] })).deliveries).toBe(1);
  });
});
