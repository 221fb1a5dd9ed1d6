import { describe, expect, it } from "vitest";
import { selectHooks, selectNamedHooks, subscribesTo, type MatchableHook } from "../../src/domain/matching";
import { BUILT_IN_EVENT_TYPES, hookAbout, isReservedEventType, OPERATIONAL_EVENT_TYPES, releaseHeld, throttleTransition, type GroupThrottle, type Transition } from "../../src/domain/operational-events";

const hook = (id: string, events: string[]): MatchableHook => ({ id, events, applications: null, fallback: false, phase: "post", enabled: true, state: "valid" });
const opened = (at: number): Transition => ({ type: "hookrouter.hook.circuit_opened", occurredAt: new Date(at).toISOString(), details: {} });
const closed = (at: number): Transition => ({ type: "hookrouter.hook.circuit_closed", occurredAt: new Date(at).toISOString(), details: {} });

describe("who receives an operational event", () => {
  it("only subscriptions of hookrouter's namespace: a catch-all hook keeps receiving only the account's own events", () => {
    const type = "hookrouter.hook.disabled";
    expect(subscribesTo(["hookrouter.*"], type)).toBe(true);
    expect(subscribesTo(["hookrouter.hook.*"], type)).toBe(true);
    expect(subscribesTo([type], type)).toBe(true);
    expect(subscribesTo(["hookrouter.delivery.*"], type)).toBe(false);
    expect(subscribesTo([], type)).toBe(false);
    expect(subscribesTo(["*"], type)).toBe(false);
    expect(subscribesTo(["*.disabled"], type)).toBe(false);
  });

  it("never the hook it is about, in fan-out and in a named replay alike", () => {
    const hooks = [hook("a", ["hookrouter.*"]), hook("b", ["hookrouter.*"])];
    const event = { type: "hookrouter.hook.circuit_opened", data: { hook_id: "a" } };
    expect(selectHooks(hooks, event).map((h) => h.id)).toEqual(["b"]);
    expect(selectNamedHooks(hooks, ["a", "b"], event).selected.map((h) => h.id)).toEqual(["b"]);
    // An account's own event with a hook_id field excludes nobody.
    expect(selectHooks([hook("a", ["*"])], { type: "job.done", data: { hook_id: "a" } }).map((h) => h.id)).toEqual(["a"]);
    expect(hookAbout("job.done", { hook_id: "a" })).toBeNull();
  });

  it("hookrouter.* is reserved, and every built-in type has a payload schema naming hook_id", () => {
    expect(isReservedEventType("hookrouter.test")).toBe(true);
    expect(isReservedEventType("HookRouter.hook.disabled")).toBe(true);
    expect(isReservedEventType("job.hookrouter")).toBe(false);
    expect(BUILT_IN_EVENT_TYPES.map((t) => t.name)).toEqual([...OPERATIONAL_EVENT_TYPES]);
    for (const t of BUILT_IN_EVENT_TYPES) expect((t.payload_schema.required as string[]).slice(0, 4)).toEqual(["hook_id", "hook_name", "occurred_at", "suppressed"]);
  });
});

describe("the throttle", () => {
  const interval = 60_000;
  it("publishes the first transition at once, holds the next ones, counting those the latest replaced, and releases the latest when the interval ends", () => {
    let g: GroupThrottle | undefined;
    let r = throttleTransition(g, opened(0), 0, interval);
    expect(r.publish).toMatchObject({ type: "hookrouter.hook.circuit_opened", suppressed: 0 });
    g = r.state;
    for (const [t, at] of [[closed, 1000], [opened, 2000], [closed, 3000]] as const) {
      r = throttleTransition(g, t(at), at, interval);
      expect(r.publish).toBeNull();
      g = r.state;
    }
    expect(releaseHeld(g!, 59_999, interval).publish).toBeNull();
    const released = releaseHeld(g!, 60_000, interval);
    expect(released.publish).toMatchObject({ type: "hookrouter.hook.circuit_closed", occurredAt: new Date(3000).toISOString(), suppressed: 2 });
    // A new interval starts at the release: the next transition is held again.
    expect(throttleTransition(released.state, opened(61_000), 61_000, interval).publish).toBeNull();
    expect(throttleTransition(released.state, opened(120_000), 120_000, interval).publish).toMatchObject({ suppressed: 0 });
  });

  it("a held transition not released in time (a late alarm) is replaced by the next one and counted", () => {
    const g = throttleTransition(throttleTransition(undefined, opened(0), 0, interval).state, closed(10), 10, interval).state;
    expect(throttleTransition(g, opened(70_000), 70_000, interval).publish).toMatchObject({ type: "hookrouter.hook.circuit_opened", suppressed: 1 });
  });
});
