import { describe, expect, it } from "vitest";
import { refill, takeToken, type BucketState } from "../../src/domain/token-bucket";

const T0 = 1_000_000;

/** Takes `n` tokens at `now`, each allowed to wait up to `maxWaitMs`; returns every decision. */
function takeMany(state: BucketState | null, limits: { ratePerSecond: number; burst: number }, now: number, n: number, maxWaitMs = 0) {
  const decisions = [];
  let s = state;
  for (let i = 0; i < n; i++) {
    const r = takeToken(s, limits, now, maxWaitMs);
    s = r.state;
    decisions.push(r.decision);
  }
  return { state: s!, decisions };
}

describe("token bucket", () => {
  it("a new bucket is full: a burst of `burst` goes at once, the next waits one refill interval", () => {
    const { decisions } = takeMany(null, { ratePerSecond: 5, burst: 3 }, T0, 4);
    expect(decisions.slice(0, 3)).toEqual([
      { granted: true, waitMs: 0 },
      { granted: true, waitMs: 0 },
      { granted: true, waitMs: 0 },
    ]);
    expect(decisions[3]).toEqual({ granted: false, waitMs: 200 });
  });

  it("refills at the rate and never saves up more than its capacity", () => {
    const limits = { ratePerSecond: 5, burst: 3 };
    const empty = takeMany(null, limits, T0, 3).state;
    expect(refill(empty, limits, T0 + 200).tokens).toBeCloseTo(1);
    expect(refill(empty, limits, T0 + 500).tokens).toBeCloseTo(2.5);
    expect(refill(empty, limits, T0 + 60_000).tokens).toBe(3);
    // After a long idle time, still only `burst` go at once.
    const later = takeMany(empty, limits, T0 + 60_000, 4).decisions;
    expect(later.filter((d) => d.granted && d.waitMs === 0)).toHaveLength(3);
    expect(later[3]!.granted).toBe(false);
  });

  it("a clock that goes backwards neither adds nor removes tokens", () => {
    const limits = { ratePerSecond: 1, burst: 1 };
    const empty = takeToken(null, limits, T0, 0).state;
    expect(refill(empty, limits, T0 - 5000)).toEqual({ tokens: 0, updatedAtMs: T0 });
  });

  it("fractional rates: 0.5/s is one token every 2 s", () => {
    const limits = { ratePerSecond: 0.5, burst: 1 };
    const first = takeToken(null, limits, T0, 0);
    expect(first.decision).toEqual({ granted: true, waitMs: 0 });
    expect(takeToken(first.state, limits, T0 + 1000, 0).decision).toEqual({ granted: false, waitMs: 1000 });
    expect(takeToken(first.state, limits, T0 + 2000, 0).decision).toEqual({ granted: true, waitMs: 0 });
  });

  it("a burst below 1 is read as 1, so a slow bucket can always send eventually", () => {
    const r = takeToken(null, { ratePerSecond: 0.1, burst: 0 }, T0, 0);
    expect(r.decision).toEqual({ granted: true, waitMs: 0 });
    expect(takeToken(r.state, { ratePerSecond: 0.1, burst: 0 }, T0, 0).decision).toEqual({ granted: false, waitMs: 10_000 });
  });

  it("reserves slots within maxWaitMs, one refill interval apart, and reserves nothing beyond", () => {
    const limits = { ratePerSecond: 5, burst: 1 };
    const { state, decisions } = takeMany(null, limits, T0, 8, 1000);
    expect(decisions).toEqual([
      { granted: true, waitMs: 0 },
      { granted: true, waitMs: 200 },
      { granted: true, waitMs: 400 },
      { granted: true, waitMs: 600 },
      { granted: true, waitMs: 800 },
      { granted: true, waitMs: 1000 },
      // Postponed callers are spread one refill interval apart.
      { granted: false, waitMs: 1200 },
      { granted: false, waitMs: 1400 },
    ]);
    // Refused callers took nothing: the debt is the five reservations.
    expect(state.tokens).toBeCloseTo(-5);
    // When the reservations have come due, the bucket grants again.
    expect(takeToken(state, limits, T0 + 1200, 0).decision).toEqual({ granted: true, waitMs: 0 });
  });

  it("spreads a backlog: each postponed caller comes back about when its turn comes, and the spread ends when the bucket idles", () => {
    const limits = { ratePerSecond: 2, burst: 1 };
    const { state, decisions } = takeMany(null, limits, T0, 6, 0);
    expect(decisions.map((d) => d.waitMs)).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    expect(decisions.slice(1).every((d) => !d.granted)).toBe(true);
    // Long after the backlog's turn, a caller waits only for the bucket.
    const later = takeMany(state, limits, T0 + 60_000, 2, 0).decisions;
    expect(later).toEqual([
      { granted: true, waitMs: 0 },
      { granted: false, waitMs: 500 },
    ]);
  });

  it("over any one-second window of grants, burst 1 allows at most rate + 1 (the boundary)", () => {
    const limits = { ratePerSecond: 5, burst: 1 };
    let s: BucketState | null = null;
    const sendTimes: number[] = [];
    // 200 callers arriving every 37 ms, each allowed to wait 1 s; refused ones come back when told (whole seconds, as queue delays).
    const pending: number[] = Array.from({ length: 200 }, (_, i) => T0 + i * 37);
    while (pending.length > 0) {
      pending.sort((a, b) => a - b);
      const at = pending.shift()!;
      const r = takeToken(s, limits, at, 1000);
      s = r.state;
      if (r.decision.granted) sendTimes.push(at + r.decision.waitMs);
      else pending.push(at + Math.ceil(r.decision.waitMs / 1000) * 1000);
    }
    sendTimes.sort((a, b) => a - b);
    expect(sendTimes).toHaveLength(200);
    for (let i = 0; i < sendTimes.length; i++) {
      const inWindow = sendTimes.filter((t) => t >= sendTimes[i]! && t < sendTimes[i]! + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(5);
    }
  });

  it("refuses a non-positive rate", () => {
    expect(() => takeToken(null, { ratePerSecond: 0, burst: 1 }, T0, 0)).toThrow(RangeError);
  });
});
