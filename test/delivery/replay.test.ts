import { describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { createHook, deliveriesOf, publish, settledDelivery, waitForDeliveryRequests } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// Replaying a stored event: new deliveries (new ids, so new webhook-ids) appended to the event, to
// the hooks it matches now or to named ones, sent through the queue to the real receiver.

describe("replaying an event", () => {
  it("delivers it again to the hooks it matches now, as new deliveries of the same event", async () => {
    const { key } = await newAccount();
    const early = new Receiver();
    const late = new Receiver();
    const hEarly = await createHook(key, { url: early.url(), events: ["order.*"] });
    const ev = await publish(key, { type: "order.paid", payload: { order: 7 } });
    const [original] = await deliveriesOf(key, ev.id);
    await settledDelivery(key, original.id, ["succeeded"]);
    // Subscribed after the publish: a replay reaches it, as matching decides now.
    const hLate = await createHook(key, { url: late.url(), events: ["order.paid"] });

    const replayed = await call("POST", `/v1/events/${ev.id}/replay`, { token: key, body: {} });
    expect(replayed.status).toBe(202);
    expect(replayed.body).toMatchObject({ event_id: ev.id, deliveries: 2 });
    const ids: string[] = replayed.body.delivery_ids;
    expect(ids).toHaveLength(2);
    expect(ids).not.toContain(original.id);
    for (const id of ids) expect(id.slice(4, 25)).toBe(ev.id.slice(4, 25)); // ids of the same event
    const settled = await Promise.all(ids.map((id) => settledDelivery(key, id, ["succeeded"])));
    expect(settled.map((d) => d.hook_id)).toEqual([hEarly.id, hLate.id]);
    expect(settled.map((d) => d.event_id)).toEqual([ev.id, ev.id]);

    const toEarly = await waitForDeliveryRequests(early, 2);
    expect(toEarly.map((r) => r.headers["webhook-id"])).toEqual([original.id, ids[0]]);
    // Same event, same body but for nothing: the envelope's id is the event's.
    expect(JSON.parse(toEarly[1]!.body)).toEqual(JSON.parse(toEarly[0]!.body));
    const [toLate] = await waitForDeliveryRequests(late, 1);
    expect(toLate!.headers["webhook-id"]).toBe(ids[1]);

    const shown = await call("GET", `/v1/events/${ev.id}`, { token: key });
    expect(shown.body.delivery_count).toBe(3);
    expect(shown.body.deliveries.map((d: any) => d.id)).toEqual([original.id, ...ids]);
  });

  it("matches with the event's own content: a hook whose content filter refuses it gets no replay", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    const severe = await createHook(key, { url: rx.url(), events: ["alert"], filter: { path: "data.severity", eq: 1 } });
    const mild = await publish(key, { type: "alert", payload: { severity: 3 } });
    const serious = await publish(key, { type: "alert", payload: { severity: 1 } });
    expect([mild.deliveries, serious.deliveries]).toEqual([0, 1]);
    const none = await call("POST", `/v1/events/${mild.id}/replay`, { token: key, body: {} });
    expect(none.body).toMatchObject({ deliveries: 0, delivery_ids: [] });
    const again = await call("POST", `/v1/events/${serious.id}/replay`, { token: key, body: {} });
    expect(again.body.deliveries).toBe(1);
    expect((await settledDelivery(key, again.body.delivery_ids[0], ["succeeded"])).hook_id).toBe(severe.id);
  });

  it("replays to named hooks only, and refuses unknown events, foreign events and foreign hooks", async () => {
    const { key } = await newAccount();
    const other = await newAccount();
    const a = new Receiver();
    const b = new Receiver();
    await createHook(key, { url: a.url(), events: [] });
    const hB = await createHook(key, { url: b.url(), events: ["never.published"] });
    const foreign = await createHook(other.key, { url: a.url(), events: [] });
    const ev = await publish(key, { type: "x", payload: {} });

    const named = await call("POST", `/v1/events/${ev.id}/replay`, { token: key, body: { hook_ids: [hB.id] } });
    expect(named.status).toBe(202);
    expect(named.body.deliveries).toBe(1);
    const d = await settledDelivery(key, named.body.delivery_ids[0], ["succeeded"]);
    expect(d.hook_id).toBe(hB.id);
    expect(await waitForDeliveryRequests(b, 1)).toHaveLength(1);
    expect((await deliveriesOf(key, ev.id)).map((x) => x.hook_id)).toHaveLength(2);

    const refused = await call("POST", `/v1/events/${ev.id}/replay`, { token: key, body: { hook_ids: [foreign.id] } });
    expectErrorShape(refused, 422, "unprocessable");
    expect(refused.body.error.message).toContain(foreign.id);
    expectErrorShape(await call("POST", `/v1/events/${ev.id}/replay`, { token: other.key, body: {} }), 404, "not_found");
    expectErrorShape(await call("POST", `/v1/events/evt_nope/replay`, { token: key, body: {} }), 404, "not_found");
    expectErrorShape(await call("POST", `/v1/events/${ev.id}/replay`, { token: key, body: { hook_ids: "x" } }), 400, "validation_failed");
    // Nothing was added by the refused calls.
    expect(await deliveriesOf(key, ev.id)).toHaveLength(2);
  });
});
