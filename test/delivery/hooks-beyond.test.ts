import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { call, newAccount } from "../helpers/api";
import { createHook, deliveriesOf, deliveryRequests, gateCalls, publish, settledDelivery, waitForDeliveryRequests } from "../helpers/delivery";
import { verifyV1a } from "../helpers/ed25519";
import { Receiver } from "../helpers/receiver";

// Content filters, payload transformations and signing profiles through publish and delivery,
// against the real receiver (issue 19).

describe("content filters through publish", () => {
  it("a Huskar-style hook receives only the events whose severity is 1; the others' deliveries are not even created", async () => {
    const { key } = await newAccount();
    const sev1 = new Receiver();
    const all = new Receiver();
    const hSev1 = await createHook(key, { url: sev1.url(), events: ["alert.*"], filter: { path: "data.severity", eq: 1 } });
    await createHook(key, { url: all.url(), events: ["alert.*"] });

    const urgent = await publish(key, { type: "alert.raised", payload: { severity: 1, message: "disk full" } });
    const minor = await publish(key, { type: "alert.raised", payload: { severity: 3, message: "disk 80%" } });
    expect(urgent.deliveries).toBe(2);
    expect(minor.deliveries).toBe(1);
    const [got] = await waitForDeliveryRequests(sev1, 1);
    await waitForDeliveryRequests(all, 2);
    expect(JSON.parse(got!.body).data).toEqual({ severity: 1, message: "disk full" });
    expect((await deliveriesOf(key, minor.id)).map((d) => d.hook_id)).not.toContain(hSev1.id);

    // A changed filter is seen by the very next publish (it bumps the account's fan-out version).
    await call("PATCH", `/v1/hooks/${hSev1.id}`, { token: key, body: { filter: { path: "data.severity", lte: 3 } } });
    expect((await publish(key, { type: "alert.raised", payload: { severity: 3 } })).deliveries).toBe(2);
    await call("PATCH", `/v1/hooks/${hSev1.id}`, { token: key, body: { filter: null } });
    expect((await publish(key, { type: "alert.raised", payload: { severity: 9 } })).deliveries).toBe(2);
  });

  it("gates: a pre-hook whose filter refuses the action's payload is not called", async () => {
    const { key } = await newAccount();
    const big = new Receiver();
    await big.script([], { status: 200, body: JSON.stringify({ approved: false, reason: "too big" }) });
    await createHook(key, { url: big.url(), events: ["create_cluster"], phase: "pre", filter: { path: "data.node_count", gt: 5 } });
    const small = await call("POST", "/v1/gates/create_cluster", { token: key, body: { payload: { node_count: 3 } } });
    expect(small.body).toMatchObject({ approved: true, decisions: [] });
    const large = await call("POST", "/v1/gates/create_cluster", { token: key, body: { payload: { node_count: 9 } } });
    expect(large.body).toMatchObject({ approved: false });
    expect(await gateCalls(big)).toHaveLength(1);
  });
});

describe("payload transformations through delivery", () => {
  it("MLflow's {entity, action, data}, a raw body and a Discord-like card arrive reshaped, each signed over the bytes sent", async () => {
    const { key } = await newAccount();
    const mlflow = new Receiver();
    const raw = new Receiver();
    const discord = new Receiver();
    const hooks = [
      [mlflow, await createHook(key, { url: mlflow.url(), transform: { body: { entity: '{{ type | before_last: "." }}', action: '{{ type | after_last: "." }}', timestamp: "{{ timestamp }}", data: "{{ data }}" } } })],
      [raw, await createHook(key, { url: raw.url(), transform: { body: { model: "{{ data.name }}", version: "{{ data.version | number }}" } } })],
      [discord, await createHook(key, { url: discord.url(), transform: { body: { content: "Model **{{ data.name }}** v{{ data.version }} {{ type | after_last: \".\" }}", embeds: [{ title: "{{ type }}", fields: [{ name: "Tags", value: '{{ data.tags | join: ", " }}' }] }] } } })],
    ] as const;
    const event = await publish(key, { type: "model_version.created", payload: { name: "churn", version: "3", tags: ["prod", "eu"] } });
    const bodies = [];
    for (const [rx, hook] of hooks) {
      const [req] = await waitForDeliveryRequests(rx, 1);
      expect(req!.headers["content-type"]).toBe("application/json");
      expect(() => new Webhook(hook.secret).verify(req!.body, req!.headers)).not.toThrow();
      bodies.push(JSON.parse(req!.body));
    }
    expect(bodies[0]).toEqual({ entity: "model_version", action: "created", timestamp: expect.any(String), data: { name: "churn", version: "3", tags: ["prod", "eu"] } });
    expect(bodies[1]).toEqual({ model: "churn", version: 3 });
    expect(bodies[2]).toEqual({ content: "Model **churn** v3 created", embeds: [{ title: "model_version.created", fields: [{ name: "Tags", value: "prod, eu" }] }] });
    for (const d of await deliveriesOf(key, event.id)) expect((await settledDelivery(key, d.id)).status).toBe("succeeded");
  });

  it("a transformation that fails on an event ends its delivery dead after one transform_failed attempt; nothing is sent, the hook stays healthy", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), transform: { body: { run: "{{ data.run_id | required }}" } } });
    const bad = await publish(key, { type: "job_run.failed", payload: { error: "oom" } });
    const good = await publish(key, { type: "job_run.failed", payload: { run_id: 42 } });
    const [badDelivery] = await deliveriesOf(key, bad.id);
    const dead = await settledDelivery(key, badDelivery!.id);
    expect(dead).toMatchObject({ status: "dead", attempts: 1, next_attempt_at: null });
    expect(dead.attempt_log).toEqual([
      { n: 1, at: expect.any(String), response_status: null, response_body: null, error: "transform_failed: {{data.run_id | required}}: the event has no value there", duration_ms: expect.any(Number) },
    ]);
    const [goodDelivery] = await deliveriesOf(key, good.id);
    expect((await settledDelivery(key, goodDelivery!.id)).status).toBe("succeeded");
    const sent = await deliveryRequests(rx);
    expect(sent.map((r) => JSON.parse(r.body))).toEqual([{ run: 42 }]);
    const after = (await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body;
    expect(after).toMatchObject({ enabled: true, circuit: "closed" });
  });
});

describe("signing profiles through delivery", () => {
  it("a v1a hook's deliveries verify with its public key alone, with both keys during a rotation", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), signing_scheme: "v1a" });
    expect(hook.secret).toBeNull();
    await publish(key, { type: "job_run.failed", payload: { run: 1 } });
    const [first] = await waitForDeliveryRequests(rx, 1);
    expect(first!.headers["webhook-signature"]).toMatch(/^v1a,\S+$/);
    expect(await verifyV1a(hook.public_key, first!.headers, first!.body)).toBe(true);
    expect(await verifyV1a(hook.public_key, first!.headers, first!.body + " ")).toBe(false);

    const rotated = (await call("POST", `/v1/hooks/${hook.id}/secret/rotate`, { token: key, body: { grace_seconds: 3600 } })).body;
    await publish(key, { type: "job_run.failed", payload: { run: 2 } });
    const [, second] = await waitForDeliveryRequests(rx, 2);
    expect(second!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(await verifyV1a(rotated.public_key, second!.headers, second!.body)).toBe(true);
    expect(await verifyV1a(hook.public_key, second!.headers, second!.body)).toBe(true);
  });

  it("an imported raw base64 secret signs deliveries the receiver verifies with the secret it already had", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    const existing = btoa("the receiver's secret of 32 bytes!");
    await createHook(key, { url: rx.url(), secret: existing });
    await publish(key, { type: "job_run.failed", payload: { run: 3 } });
    const [req] = await waitForDeliveryRequests(rx, 1);
    expect(new Webhook(existing).verify(req!.body, req!.headers)).toMatchObject({ data: { run: 3 } });
  });
});
