import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, newAccount } from "../helpers/api";
import { createHook, deliveriesOf, deliveryRequests, publish, settledDelivery, waitForDeliveryRequests } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// API keys bound to applications (src/domain/api-scopes.ts): the organisation default vs per-key
// configuration. A key bound to an application publishes events labelled with it, so they reach
// that application's hook; a key whose application has no hook of its own reaches the account's
// fallback hook. Real receivers: what each one got is what was sent.

async function keyFor(accountId: string, applications: string[]): Promise<string> {
  const res = await call("POST", `/v1/accounts/${accountId}/keys`, { token: ADMIN_TOKEN, body: { name: `for ${applications.join(",")}`, applications } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body).toMatchObject({ applications, scopes: null });
  return res.body.key;
}

/** `publisher` publishes with no applications: the event is labelled `applications` and delivered to `hookId` only, whose receiver gets it. */
async function expectPublishedTo(publisher: string, reader: string, payload: Record<string, unknown>, applications: string[], hookId: string, rx: Receiver) {
  const event = await publish(publisher, { type: "job.done", payload });
  expect((await call("GET", `/v1/events/${event.id}`, { token: reader })).body.applications).toEqual(applications);
  const deliveries = await deliveriesOf(reader, event.id);
  expect(deliveries.map((d) => d.hook_id)).toEqual([hookId]);
  expect(await settledDelivery(reader, deliveries[0].id)).toMatchObject({ status: "succeeded" });
  const [got] = await waitForDeliveryRequests(rx, 1);
  expect(JSON.parse(got!.body)).toMatchObject({ type: "job.done", data: payload });
}

describe("API keys bound to applications", () => {
  it("label what they publish with their applications: the application's own hook gets it, else the fallback hook", async () => {
    const { accountId, key } = await newAccount("per-key-config");
    const alphaRx = new Receiver();
    const fallbackRx = new Receiver();
    const alphaHook = await createHook(key, { name: "alpha-config", url: alphaRx.url(), events: [], applications: ["alpha"] });
    const fallbackHook = await createHook(key, { name: "organisation-default", url: fallbackRx.url(), events: [], fallback: true });
    const alphaKey = await keyFor(accountId, ["alpha"]);
    const betaKey = await keyFor(accountId, ["beta"]);

    // alpha's key names no applications: the event is alpha's, and only alpha's hook gets it.
    await expectPublishedTo(alphaKey, key, { n: 1 }, ["alpha"], alphaHook.id, alphaRx);
    // beta has no hook of its own: the organisation default (the fallback hook) covers its key.
    await expectPublishedTo(betaKey, key, { n: 2 }, ["beta"], fallbackHook.id, fallbackRx);

    // Each receiver got its one event and nothing else.
    expect(await deliveryRequests(alphaRx)).toHaveLength(1);
    expect(await deliveryRequests(fallbackRx)).toHaveLength(1);
  });

  it("refuse an event naming another application (403) and store nothing; the account's unbound key still publishes for any", async () => {
    const { accountId, key } = await newAccount("per-key-refusal");
    const rx = new Receiver();
    const gammaHook = await createHook(key, { url: rx.url(), events: [], applications: ["gamma"] });
    const alphaKey = await keyFor(accountId, ["alpha"]);

    const refused = await call("POST", "/v1/events", { token: alphaKey, body: { type: "job.done", payload: {}, applications: ["alpha", "gamma"] } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: "forbidden", details: [{ path: "applications" }] });
    expect(refused.body.error.message).toContain("gamma");
    // A targeted send to another application's hook is refused too.
    const targeted = await call("POST", "/v1/events", { token: alphaKey, body: { type: "job.done", payload: {}, hook_ids: [gammaHook.id] } });
    expect(targeted.status).toBe(403);
    expect(targeted.body.error.details[0].path).toBe("hook_ids");
    expect((await call("GET", "/v1/events", { token: key })).body.data).toEqual([]);

    // Naming its own application is fine; the unbound key (made before scopes: full access) names any.
    expect((await publish(alphaKey, { type: "job.done", payload: {}, applications: ["alpha"] })).deliveries).toBe(0);
    const fromAccount = await publish(key, { type: "job.done", payload: {}, applications: ["gamma"] });
    const [delivery] = await deliveriesOf(key, fromAccount.id);
    expect(delivery.hook_id).toBe(gammaHook.id);
    await waitForDeliveryRequests(rx, 1);
  });
});
