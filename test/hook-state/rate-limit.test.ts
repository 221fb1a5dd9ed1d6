import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hookStateOf } from "../../src/durable/hook-state";
import type { Env } from "../../src/env";
import { call, newAccount } from "../helpers/api";
import { createHook, publish, waitForDeliveryRequests } from "../helpers/delivery";
import { eventually, Receiver } from "../helpers/receiver";

// The rate limit end to end: events published at once, delivered through the queue consumer, which
// asks the hook's Durable Object before each delivery; the receiver records when each one arrived.

describe("rate_limit_per_second", () => {
  it("a hook limited to 5/s receives all 50 deliveries, never more than 5 (+1 at the boundary) in any second", async () => {
    const { key } = await newAccount("limited");
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), events: ["load.*"], rate_limit_per_second: 5 });
    // Its automatic test has made it valid (and warmed the path to the receiver): a hook in use.
    expect(await eventually(async () => (await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body.state === "valid")).toBe(true);
    const started = Date.now();
    // Published all at once: the tests share the Worker's isolate, and a long stream of publishes would
    // delay the consumer's timers, which measures this machine's load rather than the limiter.
    const events = await Promise.all(Array.from({ length: 50 }, (_, n) => publish(key, { type: "load.test", payload: { n } })));

    const got = await waitForDeliveryRequests(rx, 50, 40_000);
    // Every one arrived, once.
    expect(got).toHaveLength(50);
    expect(new Set(got.map((r) => JSON.parse(r.body).id))).toEqual(new Set(events.map((e) => e.id)));

    const times = got.map((r) => r.at).sort((a, b) => a - b);
    let busiest = 0;
    for (const t of times) busiest = Math.max(busiest, times.filter((u) => u >= t && u < t + 1000).length);
    expect(busiest).toBeLessThanOrEqual(6);
    // 50 at 5/s cannot take less than ~9.8 s (one token at once, then one every 200 ms).
    expect(times[49]! - times[0]!).toBeGreaterThanOrEqual(9_000);
    expect(times[0]! - started).toBeLessThan(15_000);

    // Held back is not failed: every delivery succeeded at its first and only attempt.
    const all = await eventually(async () => {
      const page = (await call("GET", `/v1/deliveries?hook_id=${hook.id}&limit=100`, { token: key })).body.data as any[];
      return page.length === 50 && page.every((d) => d.status === "succeeded") ? page : null;
    });
    expect(all).not.toBeNull();
    expect(all!.every((d: any) => d.attempts === 1)).toBe(true);
  });

  it("an unlimited, healthy hook never calls its Durable Object for deliveries", async () => {
    const { key } = await newAccount("unlimited");
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), events: ["fast.*"] });
    for (let i = 0; i < 12; i++) await publish(key, { type: "fast.test", payload: { i } });
    expect(await waitForDeliveryRequests(rx, 12)).toHaveLength(12);
    // Nothing was asked of the object for them: no bucket, no failure record.
    const live = (await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body;
    expect(live).toMatchObject({ circuit: "closed" });
    const stored = await runInDurableObject(hookStateOf((env as unknown as Env).HOOK_STATE, hook.id), (_i, state) => [...state.storage.kv.list()].map(([k]) => k));
    expect(stored.sort()).toEqual(["hook", "last_test"]);
  });
});
