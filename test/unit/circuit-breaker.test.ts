import { describe, expect, it } from "vitest";
import { admit, CLOSED, circuitOf, recordAttempt, type BreakerConfig, type BreakerState } from "../../src/domain/circuit-breaker";

const cfg: BreakerConfig = { threshold: 3, firstProbeAfterMs: 1000, maxProbeIntervalMs: 4000, probeLeaseMs: 10_000 };
const T0 = 1_000_000;

function fail(s: BreakerState, times: number, at: number, probe = false): BreakerState {
  for (let i = 0; i < times; i++) s = recordAttempt(s, false, probe, at, cfg);
  return s;
}

describe("circuit breaker", () => {
  it("stays closed below the threshold, and a success resets the count", () => {
    let s = fail(CLOSED, 2, T0);
    expect(circuitOf(s, T0)).toBe("closed");
    expect(s.consecutiveFailures).toBe(2);
    expect(admit(s, T0, cfg).decision).toEqual({ action: "send", probe: false });
    s = recordAttempt(s, true, false, T0, cfg);
    expect(s).toEqual(CLOSED);
    expect(circuitOf(fail(s, 2, T0), T0)).toBe("closed");
  });

  it("opens at the threshold and holds every delivery until the first probe is due", () => {
    const s = fail(CLOSED, 3, T0);
    expect(circuitOf(s, T0)).toBe("open");
    expect(admit(s, T0, cfg).decision).toEqual({ action: "hold", waitMs: 1000 });
    expect(admit(s, T0 + 400, cfg).decision).toEqual({ action: "hold", waitMs: 600 });
    expect(circuitOf(s, T0 + 1000)).toBe("half_open");
  });

  it("lets exactly one probe through at a time once it is due", () => {
    const open = fail(CLOSED, 3, T0);
    const first = admit(open, T0 + 1000, cfg);
    expect(first.decision).toEqual({ action: "send", probe: true });
    expect(circuitOf(first.state, T0 + 1001)).toBe("half_open");
    const second = admit(first.state, T0 + 1001, cfg);
    expect(second.decision.action).toBe("hold");
  });

  it("a failed probe reopens it with a doubled interval, capped at the maximum", () => {
    let s = fail(CLOSED, 3, T0);
    let at = T0;
    const intervals: number[] = [];
    for (let i = 0; i < 4; i++) {
      at = s.nextProbeAtMs!;
      const probe = admit(s, at, cfg);
      expect(probe.decision).toEqual({ action: "send", probe: true });
      s = recordAttempt(probe.state, false, true, at, cfg);
      expect(circuitOf(s, at)).toBe("open");
      intervals.push(s.nextProbeAtMs! - at);
    }
    expect(intervals).toEqual([2000, 4000, 4000, 4000]);
    expect(s.consecutiveFailures).toBe(7);
    expect(s.failingSinceMs).toBe(T0);
  });

  it("a successful probe closes it", () => {
    const open = fail(CLOSED, 3, T0);
    const probe = admit(open, T0 + 1000, cfg);
    const s = recordAttempt(probe.state, true, true, T0 + 1100, cfg);
    expect(s).toEqual(CLOSED);
    expect(circuitOf(s, T0 + 1100)).toBe("closed");
    expect(admit(s, T0 + 1100, cfg).decision).toEqual({ action: "send", probe: false });
  });

  it("failures of deliveries already in flight when it opened are counted but do not move the probe", () => {
    const open = fail(CLOSED, 3, T0);
    const s = recordAttempt(open, false, false, T0 + 500, cfg);
    expect(s.consecutiveFailures).toBe(4);
    expect(s.nextProbeAtMs).toBe(open.nextProbeAtMs);
    expect(s.probeIntervalMs).toBe(1000);
  });

  it("a probe that never reports back stops blocking after its lease", () => {
    const open = fail(CLOSED, 3, T0);
    const lost = admit(open, T0 + 1000, cfg).state;
    expect(admit(lost, T0 + 5000, cfg).decision.action).toBe("hold");
    expect(admit(lost, T0 + 1000 + cfg.probeLeaseMs, cfg).decision).toEqual({ action: "send", probe: true });
  });

  it("the failure record: failing since the first failure of the streak, until a success", () => {
    const s = fail(fail(CLOSED, 1, T0), 1, T0 + 50_000);
    expect(s.failingSinceMs).toBe(T0);
    expect(recordAttempt(s, true, false, T0 + 60_000, cfg).failingSinceMs).toBeNull();
  });
});
