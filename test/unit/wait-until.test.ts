import { describe, expect, it } from "vitest";
import { roundFits } from "../../src/domain/wait-until";

// The publishing Worker's second round of first attempts starts only if it can end within waitUntil's
// 30 s even when a receiver hangs for the whole delivery timeout: otherwise its deliveries are queued.

describe("first attempts: a round fits in waitUntil", () => {
  it("with the default 15 s timeout, a second round starts up to 10 s after the first", () => {
    expect(roundFits(0, 15_000)).toBe(true);
    expect(roundFits(10_000, 15_000)).toBe(true);
    expect(roundFits(10_001, 15_000)).toBe(false);
  });

  it("a shorter timeout leaves more room; a timeout of 25 s or more leaves none for a second round", () => {
    expect(roundFits(20_000, 2_000)).toBe(true);
    expect(roundFits(1, 25_000)).toBe(false);
  });
});
