import { describe, expect, it } from "vitest";
import { deliveryIdOf } from "../../src/domain/log-ids";
import { call, newAccount } from "../helpers/api";
import { createHook, deliveryRequests, publish, settledDelivery, testedHook } from "../helpers/delivery";
import { eventually, Receiver } from "../helpers/receiver";

// A FIFO hook's breaker (this project: 10 failures in a row open it, probes 1 s then 2 s apart, 11
// attempts per delivery): while it is open the line holds, and once a probe succeeds it moves on in order.

describe("ordered delivery and the circuit breaker", () => {
  it("an open breaker holds the line; the head is the probe, and the line resumes in publish order", async () => {
    const { key } = await newAccount("fifo-breaker");
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), events: ["job.*"], ordering: "fifo" });
    expect((await testedHook(key, hook.id)).state).toBe("valid"); // the automatic test took its 200 first
    await rx.script(Array.from({ length: 10 }, () => ({ status: 500 })), { status: 200, body: "ok" });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(deliveryIdOf((await publish(key, { type: "job.done", payload: { i } })).id, 0));

    // The head's ten failures open the breaker.
    await eventually(async () => (await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body.circuit !== "closed");
    for (const id of ids) expect((await settledDelivery(key, id, ["succeeded"], 40_000)).status).toBe("succeeded");
    const head = ids[0]!;
    // Only the head was sent while the receiver failed (its 11th attempt was the probe), then the rest in order.
    expect((await deliveryRequests(rx)).map((r) => r.headers["webhook-id"])).toEqual([...Array.from({ length: 11 }, () => head), ...ids.slice(1)]);
    expect((await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body).toMatchObject({ circuit: "closed", line: { waiting: 0, head: null, blocked: false } });
  });
});
