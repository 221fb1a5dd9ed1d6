import { describe, expect, it } from "vitest";
import { ANY_EVENT, gatesSharingEvents, patternAllowedByCatalog, patternMatches, selectHooks, selectNamedHooks, subscribesTo, subscriptionsOverlap, type MatchableHook } from "../../src/domain/matching";

function hook(id: string, over: Partial<MatchableHook> = {}): MatchableHook {
  return { id, events: [], applications: null, fallback: false, phase: "post", enabled: true, state: "valid", ...over };
}

const ids = (hs: MatchableHook[]) => hs.map((h) => h.id).sort();

describe("patternMatches", () => {
  it("matches exact names, * and prefix wildcards", () => {
    expect(patternMatches("job_run.failed", "job_run.failed")).toBe(true);
    expect(patternMatches("job_run.failed", "job_run.succeeded")).toBe(false);
    expect(patternMatches("*", "anything.at:all")).toBe(true);
    expect(patternMatches("job_run.*", "job_run.failed")).toBe(true);
    expect(patternMatches("job_run.*", "job_run.")).toBe(true);
    expect(patternMatches("job_run.*", "job_run")).toBe(false);
    expect(patternMatches("job_run.*", "model_version.created")).toBe(false);
    expect(patternMatches("*.created", "model_version.created")).toBe(true);
    expect(patternMatches("*.created", "model_version.deleted")).toBe(false);
    expect(patternMatches("a*c", "abbbc")).toBe(true);
  });

  it("treats regex metacharacters in names literally", () => {
    // `.` is a literal dot, not "any character"; `-` and `:` are plain too.
    expect(patternMatches("job_run.*", "job_runXfailed")).toBe(false);
    expect(patternMatches("a.b", "aXb")).toBe(false);
    expect(patternMatches("ns:x-*", "ns:x-y")).toBe(true);
    expect(patternMatches("ns:x-*", "ns:xy")).toBe(false);
  });

  it("is case-sensitive, like event names", () => {
    expect(patternMatches("UPDATE_SWITCH", "update_switch")).toBe(false);
    expect(patternMatches("UPDATE_*", "UPDATE_SWITCH")).toBe(true);
  });

  it("reads an empty subscription list as every event", () => {
    expect(subscribesTo([], "whatever")).toBe(true);
    expect(subscribesTo(["a", "b.*"], "b.c")).toBe(true);
    expect(subscribesTo(["a", "b.*"], "c")).toBe(false);
  });
});

describe("selectHooks", () => {
  it("selects by subscription: exact, wildcard, prefix wildcard and empty (all)", () => {
    const hooks = [
      hook("exact", { events: ["job_run.failed"] }),
      hook("star", { events: ["*"] }),
      hook("prefix", { events: ["job_run.*"] }),
      hook("all", { events: [] }),
      hook("other", { events: ["model_version.created"] }),
      hook("two", { events: ["model_version.created", "job_run.failed"] }),
    ];
    expect(ids(selectHooks(hooks, { type: "job_run.failed" }))).toEqual(["all", "exact", "prefix", "star", "two"]);
    expect(ids(selectHooks(hooks, { type: "job_run.succeeded" }))).toEqual(["all", "prefix", "star"]);
    expect(ids(selectHooks(hooks, { type: "model_version.created" }))).toEqual(["all", "other", "star", "two"]);
  });

  it("site-level hooks get every event; application hooks only events naming one of their applications", () => {
    const hooks = [
      hook("site"),
      hook("app-a", { applications: ["a"] }),
      hook("app-ab", { applications: ["a", "b"] }),
      hook("app-c", { applications: ["c"] }),
    ];
    expect(ids(selectHooks(hooks, { type: "x" }))).toEqual(["site"]);
    expect(ids(selectHooks(hooks, { type: "x", applications: null }))).toEqual(["site"]);
    expect(ids(selectHooks(hooks, { type: "x", applications: [] }))).toEqual(["site"]);
    expect(ids(selectHooks(hooks, { type: "x", applications: ["a"] }))).toEqual(["app-a", "app-ab", "site"]);
    expect(ids(selectHooks(hooks, { type: "x", applications: ["b"] }))).toEqual(["app-ab", "site"]);
    expect(ids(selectHooks(hooks, { type: "x", applications: ["b", "c"] }))).toEqual(["app-ab", "app-c", "site"]);
    expect(ids(selectHooks(hooks, { type: "x", applications: ["zzz"] }))).toEqual(["site"]);
  });

  it("an application_level: false event never reaches application-scoped hooks, only site-level ones", () => {
    const hooks = [hook("site"), hook("app-a", { applications: ["a"] }), hook("fallback", { fallback: true })];
    expect(ids(selectHooks(hooks, { type: "team.created", applications: ["a"], applicationLevel: false }))).toEqual(["fallback", "site"]);
    expect(ids(selectHooks(hooks, { type: "team.created", applications: ["a"], applicationLevel: true }))).toEqual(["app-a", "site"]);
    expect(ids(selectHooks(hooks, { type: "team.created", applications: ["a"] }))).toEqual(["app-a", "site"]);
  });

  it("a fallback hook receives an event only when no application-scoped hook matched it", () => {
    const hooks = [
      hook("site"),
      hook("fallback", { fallback: true, events: ["job_run.*"] }),
      hook("app-a", { applications: ["a"], events: ["job_run.failed"] }),
    ];
    // app-a matches: the organisation default stays silent
    expect(ids(selectHooks(hooks, { type: "job_run.failed", applications: ["a"] }))).toEqual(["app-a", "site"]);
    // app-a does not subscribe to this type: the default speaks for application a
    expect(ids(selectHooks(hooks, { type: "job_run.succeeded", applications: ["a"] }))).toEqual(["fallback", "site"]);
    // an application with no hook of its own
    expect(ids(selectHooks(hooks, { type: "job_run.failed", applications: ["b"] }))).toEqual(["fallback", "site"]);
    // no application named at all
    expect(ids(selectHooks(hooks, { type: "job_run.failed" }))).toEqual(["fallback", "site"]);
    // the fallback's own subscription still applies
    expect(ids(selectHooks(hooks, { type: "model.created", applications: ["b"] }))).toEqual(["site"]);
  });

  it("a disabled or deactivated application hook does not silence the fallback", () => {
    const fallback = hook("fallback", { fallback: true });
    expect(ids(selectHooks([fallback, hook("off", { applications: ["a"], enabled: false })], { type: "x", applications: ["a"] }))).toEqual(["fallback"]);
    expect(ids(selectHooks([fallback, hook("gone", { applications: ["a"], state: "deactivated" })], { type: "x", applications: ["a"] }))).toEqual([
      "fallback",
    ]);
    // nor does an application hook of the other phase
    expect(ids(selectHooks([fallback, hook("gate", { applications: ["a"], phase: "pre" })], { type: "x", applications: ["a"] }))).toEqual(["fallback"]);
  });

  it("excludes disabled and deactivated hooks, and hooks of the other phase", () => {
    const hooks = [
      hook("live"),
      hook("new", { state: "new" }),
      hook("invalid", { state: "invalid" }),
      hook("disabled", { enabled: false }),
      hook("deactivated", { state: "deactivated" }),
      hook("gate", { phase: "pre" }),
      hook("gate-off", { phase: "pre", enabled: false }),
    ];
    // new and invalid hooks are still live: the state records the last test, it does not switch a hook off
    expect(ids(selectHooks(hooks, { type: "x" }))).toEqual(["invalid", "live", "new"]);
    expect(ids(selectHooks(hooks, { type: "x" }, "post"))).toEqual(["invalid", "live", "new"]);
    expect(ids(selectHooks(hooks, { type: "x" }, "pre"))).toEqual(["gate"]);
  });

  it("keeps the input order and the caller's own hook objects", () => {
    const hooks = [hook("b"), hook("a"), hook("c")];
    const out = selectHooks(hooks, { type: "x" });
    expect(out.map((h) => h.id)).toEqual(["b", "a", "c"]);
    expect(out[0]).toBe(hooks[0]);
  });

  it("selects nothing from no hooks", () => {
    expect(selectHooks([], { type: "x", applications: ["a"] })).toEqual([]);
  });
});

describe("selectNamedHooks (a targeted send)", () => {
  it("takes the named live post-hooks whatever they subscribe to, once each, in the order named", () => {
    const hooks = [
      hook("slack", { events: ["other.thing"], applications: ["app-a"] }),
      hook("all", { events: [] }),
      hook("fallback", { fallback: true }),
      hook("off", { enabled: false }),
      hook("retired", { state: "deactivated" }),
      hook("broken", { state: "invalid" }),
    ];
    const got = selectNamedHooks(hooks, ["fallback", "slack", "off", "retired", "broken", "slack"]);
    expect(got.selected.map((h) => h.id)).toEqual(["fallback", "slack", "broken"]);
    expect(got).toMatchObject({ unknown: [], gates: [] });
  });

  it("names the ids it refuses: unknown (or another account's) and pre-hooks", () => {
    const hooks = [hook("mine"), hook("gate", { phase: "pre" })];
    const got = selectNamedHooks(hooks, ["mine", "hook_foreign", "gate", "nope"]);
    expect(got.selected.map((h) => h.id)).toEqual(["mine"]);
    expect(got.unknown).toEqual(["hook_foreign", "nope"]);
    expect(got.gates).toEqual(["gate"]);
  });
});

describe("asking for any event (`*`, Vydon's ACCOUNT_HOOK_EVENT_UNSPECIFIED)", () => {
  it("selects only the hooks subscribed to every event, with the other rules unchanged", () => {
    const hooks = [
      hook("empty"),
      hook("star", { events: ["*"] }),
      hook("stars", { events: ["job_run.failed", "**"] }),
      hook("prefix", { events: ["job_run.*"] }),
      hook("suffix", { events: ["*.created"] }),
      hook("exact", { events: ["job_run.failed"] }),
      hook("off", { enabled: false }),
      hook("app", { applications: ["billing"], events: ["*"] }),
    ];
    expect(ids(selectHooks(hooks, { type: ANY_EVENT }))).toEqual(["empty", "star", "stars"]);
    expect(ids(selectHooks(hooks, { type: ANY_EVENT, applications: ["billing"] }))).toEqual(["app", "empty", "star", "stars"]);
    expect(subscribesTo(["*.*"], ANY_EVENT)).toBe(false); // needs a dot: not every event
  });
});

describe("patternAllowedByCatalog", () => {
  const catalog = ["job_run.failed", "job_run.succeeded", "model_version.created"];
  it("allows a cataloged name or a pattern that matches at least one cataloged name", () => {
    expect(patternAllowedByCatalog("job_run.failed", catalog)).toBe(true);
    expect(patternAllowedByCatalog("job_run.*", catalog)).toBe(true);
    expect(patternAllowedByCatalog("*", catalog)).toBe(true);
    expect(patternAllowedByCatalog("*.created", catalog)).toBe(true);
  });
  it("refuses a name or pattern the catalog does not know", () => {
    expect(patternAllowedByCatalog("job_run.started", catalog)).toBe(false);
    expect(patternAllowedByCatalog("experiment.*", catalog)).toBe(false);
    expect(patternAllowedByCatalog("job_run", catalog)).toBe(false);
  });
});

describe("subscriptions that could share an event type (the gate cap)", () => {
  it.each([
    [["cluster.create"], ["cluster.create"], true],
    [["cluster.create"], ["cluster.delete"], false],
    [["cluster.*"], ["cluster.create"], true],
    [["cluster.*"], ["*.create"], true],
    [["a*b"], ["*c"], false],
    [["a*b"], ["a*c*b"], true],
    [["node.*"], ["cluster.*"], false],
    [[], ["anything"], true],
    [["x", "y.*"], ["y.z"], true],
    [["*"], ["*"], true],
  ] as const)("%j and %j: %s", (a, b, overlap) => {
    expect(subscriptionsOverlap(a, b)).toBe(overlap);
    expect(subscriptionsOverlap(b, a)).toBe(overlap);
    // Whenever they overlap on a concrete name, the pure matcher agrees.
    if (!overlap) for (const name of ["cluster.create", "node.add", "y.z", "acb"]) expect(subscribesTo(a, name) && subscribesTo(b, name)).toBe(false);
  });

  it("counts only live pre-hooks other than the hook itself, and none for a hook that is no live gate", () => {
    const gate = hook("g", { phase: "pre", events: ["cluster.*"] });
    const others = [
      hook("a", { phase: "pre", events: ["cluster.create"] }),
      hook("b", { phase: "pre", events: ["node.add"] }),
      hook("c", { phase: "post", events: ["cluster.create"] }),
      hook("d", { phase: "pre", events: ["cluster.create"], enabled: false }),
      hook("e", { phase: "pre", events: ["cluster.create"], state: "deactivated" }),
      hook("g", { phase: "pre", events: ["cluster.*"] }),
    ];
    expect(gatesSharingEvents(gate, others).map((h) => h.id)).toEqual(["a"]);
    expect(gatesSharingEvents({ ...gate, enabled: false }, others)).toEqual([]);
  });
});
