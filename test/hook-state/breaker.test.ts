import { describe, expect, it } from "vitest";
import { call, newAccount } from "../helpers/api";
import { createHook, deliveryRequests, publish, settledDelivery } from "../helpers/delivery";
import { eventually, Receiver } from "../helpers/receiver";

// The circuit breaker end to end, through the queue consumer. This project: 10 consecutive failed
// attempts open the breaker, probes go 1 s and then 2 s apart, and a delivery has 11 attempts with
// 1 s between them, so the held deliveries outlive the outage.

describe("circuit breaker", () => {
  it("opens after 10 failures in a row, lets only probes through, and delivers everything held once the receiver recovers", async () => {
    const { key } = await newAccount("breaker");
    const rx = new Receiver();
    await rx.script([], { status: 500, body: "down" });
    const hook = await createHook(key, { url: rx.url(), events: ["job.*"] });
    const events = [];
    for (let i = 0; i < 12; i++) events.push(await publish(key, { type: "job.done", payload: { i } }));

    // Ten failed attempts, then the breaker is open (or half open, with a probe due or out).
    const openedAt = await eventually(async () => {
      const h = (await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body;
      return h.circuit !== "closed" ? Date.now() : 0;
    });
    expect(openedAt).toBeGreaterThan(0);
    const beforeOpen = (await deliveryRequests(rx)).length;
    expect(beforeOpen).toBeGreaterThanOrEqual(10);

    // While it fails, only probes reach the receiver: one at a time, at least a probe interval apart.
    await new Promise((r) => setTimeout(r, 5000));
    const duringOutage = (await deliveryRequests(rx)).filter((r) => r.at > openedAt + 300);
    expect(duringOutage.length).toBeGreaterThanOrEqual(1);
    expect(duringOutage.length).toBeLessThanOrEqual(4);
    const gaps = duringOutage.slice(1).map((r, i) => r.at - duringOutage[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThan(800);
    const live = (await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body;
    expect(["open", "half_open"]).toContain(live.circuit);

    // The receiver recovers: the next probe closes the breaker and every held delivery arrives.
    const recoveredAt = Date.now();
    await rx.script([], { status: 200, body: "ok" });
    const deliveries = (await call("GET", `/v1/deliveries?hook_id=${hook.id}&limit=100`, { token: key })).body.data as any[];
    expect(deliveries).toHaveLength(12);
    for (const d of deliveries) expect((await settledDelivery(key, d.id, ["succeeded"], 30_000)).status).toBe("succeeded");
    const answeredOk = (await deliveryRequests(rx)).filter((r) => r.at >= recoveredAt);
    expect(new Set(answeredOk.map((r) => JSON.parse(r.body).id))).toEqual(new Set(events.map((e) => e.id)));
    expect((await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body).toMatchObject({ circuit: "closed", enabled: true });
  });
});
