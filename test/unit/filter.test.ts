import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMPARISONS, evaluateFilter, filterRoot, MAX_FILTER_DEPTH, MAX_FILTER_NODES, validateFilter, type Filter } from "../../src/domain/filter";
import { lookup, parsePath } from "../../src/domain/json-path";
import { selectHooks, type MatchableHook } from "../../src/domain/matching";

const root = (data: unknown, over: Partial<{ type: string; applications: string[]; workId: string | null }> = {}) =>
  filterRoot({ type: over.type ?? "alert.raised", data, applications: over.applications ?? ["ops"], workId: over.workId ?? null });

const passes = (filter: Filter, data: unknown) => {
  expect(validateFilter(filter)).toEqual([]);
  return evaluateFilter(filter, root(data));
};

describe("JSON paths", () => {
  it("parses names, indices and quoted keys, and refuses the rest with where it went wrong", () => {
    expect(parsePath("data.items[0].name")).toEqual({ ok: true, segments: ["data", "items", 0, "name"] });
    expect(parsePath('data["a key"].b-c')).toEqual({ ok: true, segments: ["data", "a key", "b-c"] });
    for (const bad of ["", ".a", "a.", "a..b", "a[", "a[-1]", "a[x]", "a b", "a[01]"]) expect(parsePath(bad).ok).toBe(false);
    expect(parsePath("a b")).toMatchObject({ ok: false, error: expect.stringContaining("character 2") });
  });

  it("reads own properties only, never inherited ones", () => {
    expect(lookup({ a: { b: 1 } }, ["a", "b"])).toEqual({ found: true, value: 1 });
    expect(lookup({ a: null }, ["a"])).toEqual({ found: true, value: null });
    expect(lookup({ a: {} }, ["a", "constructor"])).toEqual({ found: false });
    expect(lookup({}, ["__proto__"])).toEqual({ found: false });
    expect(lookup({ a: [1, 2] }, ["a", 2])).toEqual({ found: false });
    expect(lookup({ a: [1, 2] }, ["a", "length"])).toEqual({ found: false });
    expect(lookup("text", ["length"])).toEqual({ found: false });
  });
});

describe("content filters", () => {
  it("a Huskar-style hook takes only events whose severity is 1", () => {
    const f = { path: "data.severity", eq: 1 };
    expect(passes(f, { severity: 1, message: "disk full" })).toBe(true);
    expect(passes(f, { severity: 2 })).toBe(false);
    expect(passes(f, { severity: "1" })).toBe(false); // no coercion
    expect(passes(f, {})).toBe(false);
  });

  it("compares with every operator", () => {
    const data = { n: 5, s: "prod-eu", tags: ["a", "b"], nil: null, ts: "2026-11-23T10:00:00Z" };
    const cases: Array<[Filter, boolean]> = [
      [{ path: "data.n", eq: 5 }, true],
      [{ path: "data.n", neq: 5 }, false],
      [{ path: "data.missing", neq: 5 }, true],
      [{ path: "data.s", in: ["prod-eu", "prod-us"] }, true],
      [{ path: "data.s", nin: ["prod-eu"] }, false],
      [{ path: "data.missing", nin: ["x"] }, true],
      [{ path: "data.n", gt: 4 }, true],
      [{ path: "data.n", gt: 5 }, false],
      [{ path: "data.n", gte: 5 }, true],
      [{ path: "data.n", lt: 5 }, false],
      [{ path: "data.n", lte: 5 }, true],
      [{ path: "data.n", gt: "4" }, false], // a number is never compared with a string
      [{ path: "data.ts", gte: "2026-01-01" }, true],
      [{ path: "data.nil", exists: true }, true],
      [{ path: "data.nil", eq: null }, true],
      [{ path: "data.missing", exists: false }, true],
      [{ path: "data.missing", exists: true }, false],
      [{ path: "data.s", prefix: "prod-" }, true],
      [{ path: "data.n", prefix: "5" }, false],
      [{ path: "data.s", contains: "-e" }, true],
      [{ path: "data.tags", contains: "b" }, true],
      [{ path: "data.tags", contains: "c" }, false],
      [{ path: "type", prefix: "alert." }, true],
      [{ path: "applications", contains: "ops" }, true],
      [{ path: "work_id", eq: null }, true],
    ];
    for (const [f, want] of cases) expect([f, passes(f, data)]).toEqual([f, want]);
  });

  it("combines with and, or, not", () => {
    const f: Filter = { and: [{ path: "data.env", in: ["prod", "staging"] }, { not: { path: "data.dry_run", eq: true } }, { or: [{ path: "data.severity", lte: 2 }, { path: "data.page", eq: true }] }] };
    expect(passes(f, { env: "prod", severity: 1 })).toBe(true);
    expect(passes(f, { env: "prod", severity: 3, page: true })).toBe(true);
    expect(passes(f, { env: "prod", severity: 3 })).toBe(false);
    expect(passes(f, { env: "prod", severity: 1, dry_run: true })).toBe(false);
    expect(passes(f, { env: "dev", severity: 1 })).toBe(false);
  });

  it("points at the bad part of an invalid filter", () => {
    const at = (f: unknown) => validateFilter(f).map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(at({ and: [{ path: "data.a", eq: 1 }, { path: "data.b", gt: true }] })).toEqual([expect.stringMatching(/^and\.1\.gt: expected a number/)]);
    expect(at({ path: "data..a", eq: 1 })).toEqual([expect.stringMatching(/^path: unexpected \./)]);
    expect(at({ path: "data.a", equals: 1 })).toEqual([expect.stringMatching(/^equals: unknown operator/)]);
    expect(at({ path: "data.a", eq: 1, gt: 2 })).toEqual([expect.stringMatching(/^: a comparison has exactly one operator/)]);
    expect(at({ or: [] })).toEqual([expect.stringMatching(/^or: expected a non-empty array/)]);
    expect(at({ not: { and: [{ path: "x", in: [{}] }] } })).toEqual([expect.stringMatching(/^not\.and\.0\.in: every value/)]);
    expect(at({ and: [{ path: "x", eq: 1 }], or: [] })).toEqual([expect.stringMatching(/stands alone/)]);
    expect(at("data.severity == 1")).toEqual([expect.stringMatching(/^: expected an object/)]);
    expect(at(null)).not.toEqual([]);
  });

  it("bounds size and depth", () => {
    let deep: Filter = { path: "a", eq: 1 };
    for (let i = 0; i < MAX_FILTER_DEPTH; i++) deep = { not: deep };
    expect(validateFilter(deep)).toEqual([expect.objectContaining({ message: `filters nest at most ${MAX_FILTER_DEPTH} deep` })]);
    const wide = { or: Array.from({ length: MAX_FILTER_NODES }, (_, i) => ({ path: "a", eq: i })) };
    expect(validateFilter(wide).map((i) => i.message)).toEqual([expect.stringContaining(`at most ${MAX_FILTER_NODES}`)]);
    expect(validateFilter({ path: "a", in: Array.from({ length: 101 }, (_, i) => i) })[0]!.message).toMatch(/at most 100/);
    expect(validateFilter({ path: "a", eq: "x".repeat(2000) })[0]!.message).toMatch(/at most 1024/);
  });

  // Property tests: whatever the filter and the event, evaluation answers (never throws) and quickly.
  const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: false }), fc.boolean(), fc.constant(null));
  const path = fc.oneof(
    fc.constantFrom("data.a", "data.b", "data.a.b", "data.list[0]", "data.list", "type", "applications", "work_id", 'data["x y"]', "__proto__", "data.constructor"),
    fc.string({ maxLength: 12 }),
  );
  const comparison = fc.record({ path, op: fc.constantFrom(...COMPARISONS, "bogus"), operand: fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })) }).map(
    ({ path, op, operand }) => ({ path, [op]: operand }),
  );
  const { filter: anyFilter } = fc.letrec<{ filter: unknown }>((tie) => ({
    filter: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      comparison,
      fc.record({ and: fc.array(tie("filter"), { maxLength: 4 }) }),
      fc.record({ or: fc.array(tie("filter"), { maxLength: 4 }) }),
      fc.record({ not: tie("filter") }),
      fc.jsonValue({ maxDepth: 3 }),
    ),
  }));
  const anyData = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.record({ a: fc.jsonValue({ maxDepth: 2 }), b: scalar, list: fc.array(scalar), "x y": scalar }));

  it("never throws, whatever the filter and the event (property)", () => {
    fc.assert(
      fc.property(anyFilter, anyData, (filter, data) => {
        expect(typeof evaluateFilter(filter, root(data))).toBe("boolean");
        expect(Array.isArray(validateFilter(filter))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("answers a valid filter exactly like its negation's opposite (property)", () => {
    fc.assert(
      fc.property(anyFilter, anyData, (filter, data) => {
        fc.pre(validateFilter(filter).length === 0 && validateFilter({ not: filter }).length === 0);
        expect(evaluateFilter({ not: filter }, root(data))).toBe(!evaluateFilter(filter, root(data)));
      }),
      { numRuns: 500 },
    );
  });

  it("evaluates the largest valid filter over a 256 KiB payload in bounded time", () => {
    const big = { items: Array.from({ length: 4000 }, (_, i) => `item-${i}-${"x".repeat(50)}`), text: "y".repeat(200_000) };
    const leaf = (i: number): Filter => (i % 2 ? { path: "data.items", contains: `item-3999-${"x".repeat(50)}` } : { path: "data.text", contains: "z".repeat(200) });
    const filter: Filter = { and: [{ or: Array.from({ length: MAX_FILTER_NODES - 3 }, (_, i) => leaf(i)) }, { path: "data.text", prefix: "y" }] };
    expect(validateFilter(filter)).toEqual([]);
    const started = performance.now();
    for (let i = 0; i < 10; i++) evaluateFilter(filter, root(big));
    expect((performance.now() - started) / 10).toBeLessThan(50);
  });

  it("hostile filters never evaluated past the bound (a 10,000-deep or 100,000-wide one that was never validated)", () => {
    let deep: unknown = { path: "data.a", eq: 1 };
    for (let i = 0; i < 10_000; i++) deep = { not: deep };
    const wide = { and: Array.from({ length: 100_000 }, () => ({ path: "data.a", exists: true })) };
    const started = performance.now();
    expect(evaluateFilter(deep, root({ a: 1 }))).toBe(false);
    expect(evaluateFilter(wide, root({ a: 1 }))).toBe(false);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe("selectHooks with content filters", () => {
  const hook = (id: string, over: Partial<MatchableHook> = {}): MatchableHook => ({ id, events: [], applications: null, fallback: false, phase: "post", enabled: true, state: "valid", ...over });

  it("selects a filtered hook only for events that pass, and every hook when the payload is unknown", () => {
    const hooks = [hook("plain"), hook("sev1", { filter: { path: "data.severity", eq: 1 } })];
    const ids = (data: unknown) => selectHooks(hooks, { type: "alert", data }).map((h) => h.id);
    expect(ids({ severity: 1 })).toEqual(["plain", "sev1"]);
    expect(ids({ severity: 3 })).toEqual(["plain"]);
    expect(ids(undefined)).toEqual(["plain", "sev1"]);
  });

  it("a fallback hook takes the event when the only application hook's filter refuses it", () => {
    const hooks = [hook("app", { applications: ["billing"], filter: { path: "data.amount", gt: 100 } }), hook("fallback", { fallback: true })];
    const ids = (amount: number) => selectHooks(hooks, { type: "charge", applications: ["billing"], data: { amount } }).map((h) => h.id);
    expect(ids(500)).toEqual(["app"]);
    expect(ids(5)).toEqual(["fallback"]);
  });
});
