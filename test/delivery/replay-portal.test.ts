import { describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { createHook, publish, settledDelivery, waitForDeliveryRequests } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// Replay from the portal: a session replays an event to named hooks only, and one scoped to
// applications only to its own hooks and only events it has a delivery of; a hook's window replay
// jobs are reached through the hook, so a scoped session starts and reads those of its hooks only.

describe("replay from a portal session", () => {
  it("a session scoped to an application replays its own events to its own hooks, and nothing else", async () => {
    const { key } = await newAccount();
    const rxA = new Receiver();
    const hookA = await createHook(key, { url: rxA.url(), events: ["order.*"], applications: ["app-a"] });
    const hookB = await createHook(key, { url: new Receiver().url(), events: ["order.*"], applications: ["app-b"] });
    const ofA = await publish(key, { type: "order.paid", payload: { n: 1 }, applications: ["app-a"] });
    const ofB = await publish(key, { type: "order.paid", payload: { n: 2 }, applications: ["app-b"] });
    const session = await call("POST", "/v1/portal-sessions", { token: key, body: { applications: ["app-a"] } });
    const portal = session.body.token as string;
    const whole = (await call("POST", "/v1/portal-sessions", { token: key, body: {} })).body.token as string;
    const replay = (eventId: string, body: unknown, token = portal) => call("POST", `/v1/events/${eventId}/replay`, { token, body });

    const replayed = await replay(ofA.id, { hook_ids: [hookA.id] });
    expect(replayed.status).toBe(202);
    expect(replayed.body.deliveries).toBe(1);
    await settledDelivery(key, replayed.body.delivery_ids[0], ["succeeded"]);
    expect((await waitForDeliveryRequests(rxA, 2)).map((r) => r.headers["webhook-id"])).toContain(replayed.body.delivery_ids[0]);

    // Another application's event, even to its own hook; its own event to another application's hook; no named hook.
    expectErrorShape(await replay(ofB.id, { hook_ids: [hookA.id] }), 404, "not_found");
    expectErrorShape(await replay(ofA.id, { hook_ids: [hookB.id] }), 404, "not_found");
    expectErrorShape(await replay(ofA.id, {}), 422, "unprocessable");
    expectErrorShape(await replay(ofA.id, {}, whole), 422, "unprocessable");
    // A session for the whole account names any of its hooks.
    expect((await replay(ofB.id, { hook_ids: [hookA.id] }, whole)).status).toBe(202);
    // Other event routes stay closed to a portal session.
    expectErrorShape(await call("GET", `/v1/events/${ofA.id}`, { token: portal }), 401);

    const started = await call("POST", `/v1/hooks/${hookA.id}/replays`, { token: portal, body: { from: new Date(Date.now() - 60_000).toISOString() } });
    expect(started.status).toBe(202);
    const jobPath = `/v1/hooks/${hookA.id}/replays/${started.body.id}`;
    expect((await call("GET", jobPath, { token: portal })).body).toMatchObject({ id: started.body.id, hook_id: hookA.id });
    expectErrorShape(await call("POST", `/v1/hooks/${hookB.id}/replays`, { token: portal, body: { from: new Date(Date.now() - 60_000).toISOString() } }), 404, "not_found");
    expectErrorShape(await call("GET", `/v1/hooks/${hookB.id}/replays/${started.body.id}`, { token: portal }), 404, "not_found");
    expectErrorShape(await call("GET", `/v1/hooks/${hookB.id}/replays/${started.body.id}`, { token: key }), 404, "not_found");
  });
});
