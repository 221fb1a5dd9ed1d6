import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hookStateOf } from "../../src/durable/hook-state";
import type { Env } from "../../src/env";
import { call, newAccount } from "../helpers/api";
import { createHook, deliveryRequests, publish, settledDelivery, testedHook } from "../helpers/delivery";
import { awaitOperationalEvents, operationalEvents } from "../helpers/operational-events";
import { eventually, Receiver } from "../helpers/receiver";

// Operational events (docs/operational-events.md) end to end: real receivers, the queue consumer,
// the hooks' Durable Objects and their alarms. This project: 10 failures in a row open a breaker,
// probes go 1 s then 2 s apart, a delivery has 11 attempts, automatic tests run at once, and an
// operational event of one kind about one hook is published at most every 3 s.

const INTERVAL_MS = 3000;

/** A hook that takes every operational event, on a receiver answering 200, past its own automatic test. */
async function watcher(key: string) {
  const rx = new Receiver();
  const hook = await createHook(key, { url: rx.url(), events: ["hookrouter.*"] });
  await testedHook(key, hook.id);
  return { rx, hook };
}

/** A fresh account with a watcher, and a hook on a receiver answering 200, past its automatic test (`tested`: the hook then). */
async function watchedHook(name: string) {
  const { key, accountId } = await newAccount(name);
  const w = await watcher(key);
  const rx = new Receiver();
  const hook = await createHook(key, { url: rx.url(), events: ["job.*"] });
  return { key, accountId, w, rx, hook, tested: await testedHook(key, hook.id) };
}

const hookOf = async (key: string, id: string) => (await call("GET", `/v1/hooks/${id}`, { token: key })).body;

describe("operational events", () => {
  it("a failing then recovering receiver: circuit_opened, then circuit_closed, once each; never delivered to the hook they are about", async () => {
    const { key } = await newAccount("op-circuit");
    const w = await watcher(key);
    const rx = new Receiver();
    await rx.script([], { status: 500, body: "down" });
    // It subscribes to operational events itself: those about it must still never reach it.
    const failing = await createHook(key, { url: rx.url(), events: ["job.*", "hookrouter.*"] });
    await testedHook(key, failing.id);
    const events = await Promise.all(Array.from({ length: 12 }, (_, i) => publish(key, { type: "job.done", payload: { i } })));

    const [opened] = await awaitOperationalEvents(w.rx, { type: "hookrouter.hook.circuit_opened", about: failing.id }, 1);
    expect(opened!.data).toMatchObject({ hook_id: failing.id, hook_name: failing.name, suppressed: 0 });
    expect(opened!.data.consecutive_failures).toBeGreaterThanOrEqual(10);
    expect(Date.parse(opened!.data.failing_since)).not.toBeNaN();

    await rx.script([], { status: 200, body: "ok" });
    const deliveries = (await call("GET", `/v1/deliveries?hook_id=${failing.id}&limit=100`, { token: key })).body.data as any[];
    for (const d of deliveries) await settledDelivery(key, d.id, ["succeeded"], 30_000);
    const [closed] = await awaitOperationalEvents(w.rx, { type: "hookrouter.hook.circuit_closed", about: failing.id }, 1);
    expect(closed!.data).toMatchObject({ hook_id: failing.id, suppressed: 0 });
    expect(closed!.timestamp > opened!.timestamp).toBe(true);

    // Once per transition: one opening, one closing.
    expect((await operationalEvents(w.rx, { type: /circuit/, about: failing.id })).map((e) => e.type)).toEqual(["hookrouter.hook.circuit_opened", "hookrouter.hook.circuit_closed"]);
    // The hook they are about got no delivery of them (nor of its own state change): only the 12 events published.
    const after = (await call("GET", `/v1/deliveries?hook_id=${failing.id}&limit=100`, { token: key })).body.data as any[];
    expect(new Set(after.map((d) => d.event_id))).toEqual(new Set(events.map((e) => e.id)));
    expect(await operationalEvents(rx)).toEqual([]);
  });

  it("a receiver answering 410 disables the hook: hook.disabled once per disabling, though several deliveries were answered 410", async () => {
    const { key, w, rx, hook: gone } = await watchedHook("op-disabled");
    await rx.script([], { status: 410, body: "gone" });
    const disableBy410s = async () => {
      const events = await Promise.all(Array.from({ length: 3 }, (_, i) => publish(key, { type: "job.done", payload: { i } })));
      expect(await eventually(async () => (await hookOf(key, gone.id)).enabled === false)).toBe(true);
      for (const e of events) {
        const [d] = (await call("GET", `/v1/deliveries?event_id=${e.id}`, { token: key })).body.data as any[];
        await settledDelivery(key, d.id);
      }
    };
    await disableBy410s();
    expect((await deliveryRequests(rx)).length).toBeGreaterThanOrEqual(1);
    const [disabled] = await awaitOperationalEvents(w.rx, { type: "hookrouter.hook.disabled", about: gone.id }, 1);
    expect(disabled!.data).toMatchObject({ hook_id: gone.id, hook_name: gone.name, reason: (await hookOf(key, gone.id)).disabled_reason, suppressed: 0 });
    expect(disabled!.data.reason).toContain("410");
    // Published through the account's own stream: it is one of its events.
    expect((await call("GET", `/v1/events/${disabled!.id}`, { token: key })).body).toMatchObject({ type: "hookrouter.hook.disabled" });

    // Enabled by hand, disabled again: a second transition, a second event, and nothing else in between
    // (a repeated verdict on the first disabling would have been held and counted in this one).
    expect((await call("POST", `/v1/hooks/${gone.id}/enable`, { token: key })).status).toBe(200);
    await disableBy410s();
    const both = await awaitOperationalEvents(w.rx, { type: "hookrouter.hook.disabled", about: gone.id }, 2);
    expect(both.map((e) => e.data.suppressed)).toEqual([0, 0]);
  });

  it("state_changed: the automatic test's outcome (new → valid), and a later test's (valid → invalid); a test that changes nothing publishes nothing", async () => {
    const { key, w, rx, hook, tested } = await watchedHook("op-state");
    expect(tested.state).toBe("valid");
    const [valid] = await awaitOperationalEvents(w.rx, { type: "hookrouter.hook.state_changed", about: hook.id }, 1);
    expect(valid!.data).toMatchObject({ hook_id: hook.id, hook_name: hook.name, from: "new", to: "valid", response_status: 200, error_message: null, suppressed: 0 });

    // Still valid: no transition.
    expect((await call("POST", `/v1/hooks/${hook.id}/test`, { token: key, body: {} })).body.success).toBe(true);
    await rx.script([], { status: 500, body: "boom" });
    expect((await call("POST", `/v1/hooks/${hook.id}/test`, { token: key, body: {} })).body.success).toBe(false);
    const changes = await awaitOperationalEvents(w.rx, { type: "hookrouter.hook.state_changed", about: hook.id }, 2);
    expect(changes.map((e) => [e.data.from, e.data.to])).toEqual([
      ["new", "valid"],
      ["valid", "invalid"],
    ]);
    expect(changes[1]!.data).toMatchObject({ response_status: 500, suppressed: 0 });
  });

  it("a flapping receiver: circuit events at least an interval apart, so bounded by the time it flapped; the last one tells the current state", async () => {
    const { key, w, rx, hook: flapping } = await watchedHook("op-flapping");
    // Five times: ten failures (the breaker opens), then a success (it closes); then it stays up.
    const cycle = [...Array.from({ length: 10 }, () => ({ status: 500, body: "down" })), { status: 200, body: "ok" }];
    await rx.script(Array.from({ length: 5 }, () => cycle).flat(), { status: 200, body: "ok" });
    const events = await Promise.all(Array.from({ length: 20 }, (_, i) => publish(key, { type: "job.done", payload: { i } })));
    for (const e of events) {
      const [d] = (await call("GET", `/v1/deliveries?event_id=${e.id}`, { token: key })).body.data as any[];
      await settledDelivery(key, d.id, ["succeeded", "dead"], 90_000);
    }
    expect((await deliveryRequests(rx)).length).toBeGreaterThanOrEqual(55);
    expect((await hookOf(key, flapping.id)).circuit).toBe("closed");

    // The last word is the current state (a held closing is published when its interval ends).
    let circuit: Awaited<ReturnType<typeof operationalEvents>> = [];
    await eventually(async () => (circuit = await operationalEvents(w.rx, { type: /circuit/, about: flapping.id })).at(-1)?.type === "hookrouter.hook.circuit_closed", 30_000, 200);
    expect(circuit.at(-1)?.type).toBe("hookrouter.hook.circuit_closed");
    // Throttled: published an interval apart (less what one publish's own reads took, under half an
    // interval even on a loaded machine), so their number is bounded by the time the flapping took.
    const times = circuit.map((e) => Date.parse(e.timestamp));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(INTERVAL_MS / 2);
    expect(circuit.length).toBeLessThanOrEqual(Math.floor((times.at(-1)! - times[0]!) / (INTERVAL_MS / 2)) + 1);
  });

  it("transitions in quick succession: the first published at once, the latest when the interval ends, counting those it replaced", async () => {
    const { accountId, w, hook } = await watchedHook("op-burst");
    // The hook's own object, as the consumer reports to it: five openings and five closings within a moment.
    const state = hookStateOf((env as unknown as Env).HOOK_STATE, hook.id);
    const ref = { accountId, hookId: hook.id };
    const failures = Array.from({ length: 10 }, () => ({ ok: false, status: 500, probe: false }));
    for (let i = 0; i < 5; i++) {
      expect((await state.recordAttempts(failures, null, ref)).health.kind).toBe("started_failing");
      expect((await state.recordAttempts([{ ok: true, status: 200, probe: true }], null, ref)).health.kind).toBe("recovered");
    }
    const events = await awaitOperationalEvents(w.rx, { type: /circuit/, about: hook.id }, 2, 20_000);
    expect(events.map((e) => [e.type, e.data.suppressed])).toEqual([
      ["hookrouter.hook.circuit_opened", 0],
      ["hookrouter.hook.circuit_closed", 8],
    ]);
    expect(Date.parse(events[1]!.timestamp) - Date.parse(events[0]!.timestamp)).toBeGreaterThanOrEqual(INTERVAL_MS - 500);
  });
});
