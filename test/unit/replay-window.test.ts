import { describe, expect, it } from "vitest";
import type { MatchableHook } from "../../src/domain/matching";
import { matchersFor, NO_PROGRESS, progressOf, readsPayload, takesEvent, totals } from "../../src/domain/replay-window";

// The pure rules of a window replay (src/domain/replay-window.ts): which events a job takes, and how
// its shards' progress adds up.

const hook = (id: string, extra: Partial<MatchableHook> = {}): MatchableHook => ({ id, events: [], applications: null, fallback: false, phase: "post", enabled: true, state: "valid", filter: null, ...extra });
const event = (type: string, applications: string[] | null = null, statuses: string[] = []) => ({ type, applications, workId: null, payload: () => ({}), hookStatuses: () => statuses });

describe("which events a window replay takes", () => {
  it("a fallback hook takes an event only when no application hook does, as a publish decides", () => {
    const fallback = hook("hook_fb", { fallback: true });
    const all = [fallback, hook("hook_app", { applications: ["shop"] }), hook("hook_off", { applications: ["blog"], enabled: false }), hook("hook_gate", { applications: ["blog"], phase: "pre" })];
    const spec = { hookId: fallback.id, onlyFailed: false, matchers: matchersFor(fallback, all), catalog: null };
    expect(spec.matchers.map((h) => h.id)).toEqual(["hook_fb", "hook_app"]);
    expect(takesEvent(spec, event("x", ["shop"]))).toBe(false);
    expect(takesEvent(spec, event("x", ["blog"]))).toBe(true);
    expect(matchersFor(all[1]!, all).map((h) => h.id)).toEqual(["hook_app"]);
  });

  it("leaves out types outside a non-empty catalog, and with only_failed takes only events whose deliveries to the hook all ended dead or skipped", () => {
    const h = hook("hook_a");
    expect(takesEvent({ hookId: h.id, onlyFailed: false, matchers: [h], catalog: { "a.b": true } }, event("c.d"))).toBe(false);
    expect(takesEvent({ hookId: h.id, onlyFailed: false, matchers: [h], catalog: { "a.b": true } }, event("a.b"))).toBe(true);
    const failed = { hookId: h.id, onlyFailed: true, matchers: [h], catalog: null };
    expect([[], ["dead"], ["dead", "skipped"], ["dead", "succeeded"], ["failed"], ["pending"]].map((s) => takesEvent(failed, event("x", null, s)))).toEqual([false, true, true, false, false, false]);
  });
});

describe("operational events in a window replay", () => {
  it("are taken as a publish takes them: whatever the catalog, and never for the hook they are about", () => {
    const watcher = hook("hook_w", { events: ["hookrouter.*"] });
    const spec = { hookId: watcher.id, onlyFailed: false, matchers: [watcher], catalog: { "a.b": true } };
    expect(readsPayload(spec)).toBe(true);
    const about = (hookId: string) => ({ ...event("hookrouter.hook.circuit_opened"), payload: () => ({ hook_id: hookId }) });
    expect(takesEvent(spec, about("hook_other"))).toBe(true);
    expect(takesEvent(spec, about(watcher.id))).toBe(false);
    expect(readsPayload({ onlyFailed: false, matchers: [hook("hook_plain", { events: ["a.b"] })] })).toBe(false);
  });
});

describe("a job's progress", () => {
  it("adds up its shards: walked ones count whole, the current one by the time its cursor reached", () => {
    const from = "2026-12-01T00:00:00.000Z";
    const to = "2026-12-02T00:00:00.000Z";
    const half = Date.parse(from) + 12 * 3600_000;
    const shards = [
      { ...NO_PROGRESS, done: true, scanned: 10, replayed: 4, skipped: 6 },
      { ...NO_PROGRESS, cursor: "at-half", scanned: 2, replayed: 2 },
      { ...NO_PROGRESS },
    ];
    expect(progressOf(shards, from, to, (c) => (c === "at-half" ? half : null))).toBe(0.5);
    expect(totals(shards)).toEqual({ scanned: 12, replayed: 6, skipped: 6 });
  });
});
