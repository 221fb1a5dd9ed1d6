import { describe, expect, it } from "vitest";
import { call, newAccount } from "../helpers/api";
import { createHook, publish, settledDelivery } from "../helpers/delivery";
import { awaitOperationalEvents, operationalEvents } from "../helpers/operational-events";
import { Receiver } from "../helpers/receiver";

// `hookrouter.delivery.dead` (docs/operational-events.md) end to end: a delivery whose retries run
// out (this project: 4 attempts, 1 s apart) is announced by its delivery log to its hook's Durable
// Object, which publishes the event into the account's stream. A dead delivery OF such an event
// announces nothing, so a failing subscriber cannot start a chain.

const deliveryOf = async (key: string, eventId: string, hookId: string) =>
  ((await call("GET", `/v1/deliveries?event_id=${eventId}&hook_id=${hookId}`, { token: key })).body.data as any[])[0];

describe("hookrouter.delivery.dead", () => {
  it("is published once when a delivery's retries are exhausted, never to its own hook, and a dead delivery of it publishes nothing", async () => {
    const { key } = await newAccount("op-dead");
    const watching = new Receiver();
    const watcher = await createHook(key, { url: watching.url(), events: ["hookrouter.*"] });
    // Subscribed to dead-delivery events and always failing: its delivery of one goes dead too.
    const failingSubscriber = new Receiver();
    await failingSubscriber.script([], { status: 500, body: "down" });
    const subscriber = await createHook(key, { url: failingSubscriber.url(), events: ["hookrouter.delivery.*"] });
    // The hook whose delivery dies; it takes operational events too, but never those about itself.
    const down = new Receiver();
    await down.script([], { status: 500, body: "down" });
    const failing = await createHook(key, { url: down.url(), events: ["job.*", "hookrouter.*"] });

    const event = await publish(key, { type: "job.done", payload: { n: 1 } });
    const dead = await settledDelivery(key, (await deliveryOf(key, event.id, failing.id)).id, ["dead"]);
    const [announced] = await awaitOperationalEvents(watching, { type: "hookrouter.delivery.dead", about: failing.id }, 1);
    expect(announced!.data).toMatchObject({
      hook_id: failing.id,
      hook_name: failing.name,
      delivery_id: dead.id,
      event_id: event.id,
      event_type: "job.done",
      attempts: 4,
      suppressed: 0,
    });

    // The failing subscriber's delivery of that event dies as well: no event about it.
    await settledDelivery(key, (await deliveryOf(key, announced!.id, subscriber.id)).id, ["dead"]);
    expect(await deliveryOf(key, announced!.id, failing.id)).toBeUndefined();
    // A later dead delivery (of another hook) is announced: by then one about the subscriber's would have been too.
    const later = new Receiver();
    await later.script([], { status: 500, body: "down" });
    const other = await createHook(key, { url: later.url(), events: ["other.*"] });
    const otherEvent = await publish(key, { type: "other.thing", payload: {} });
    await settledDelivery(key, (await deliveryOf(key, otherEvent.id, other.id)).id, ["dead"]);
    await awaitOperationalEvents(watching, { type: "hookrouter.delivery.dead", about: other.id }, 1);

    expect((await operationalEvents(watching, { type: "hookrouter.delivery.dead" })).map((e) => e.data.hook_id)).toEqual([failing.id, other.id]);
    expect(await operationalEvents(down, { about: failing.id })).toEqual([]);
    expect(await operationalEvents(watching, { about: watcher.id })).toEqual([]);
  });
});
