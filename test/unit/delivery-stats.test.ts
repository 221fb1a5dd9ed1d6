import { describe, expect, it } from "vitest";
import { foldStats, hourStartsBetween, statsWindow, successRate, type CountRow } from "../../src/domain/delivery-stats";

describe("hourStartsBetween", () => {
  it("lists the start of every hour from the one holding `from` to the one holding `to`", () => {
    expect(hourStartsBetween(Date.parse("2026-11-23T22:59:59.999Z"), Date.parse("2026-11-24T01:00:00.000Z"))).toEqual([
      "2026-11-23T22:00:00.000Z",
      "2026-11-23T23:00:00.000Z",
      "2026-11-24T00:00:00.000Z",
      "2026-11-24T01:00:00.000Z",
    ]);
    expect(hourStartsBetween(Date.parse("2026-11-23T10:10:00Z"), Date.parse("2026-11-23T10:50:00Z"))).toEqual(["2026-11-23T10:00:00.000Z"]);
    expect(hourStartsBetween(Date.parse("2026-11-23T12:00:00Z"), Date.parse("2026-11-23T10:00:00Z"))).toEqual([]);
  });
});

describe("statsWindow", () => {
  it("ends with the current hour and starts hours - 1 whole hours before it", () => {
    const w = statsWindow(Date.parse("2026-11-23T10:17:42.123Z"), 3);
    expect(w.hourStarts).toEqual(["2026-11-23T08:00:00.000Z", "2026-11-23T09:00:00.000Z", "2026-11-23T10:00:00.000Z"]);
    expect(w.since).toBe("2026-11-23T08:00:00.000Z");
    expect(w.until).toBe("2026-11-23T10:17:42.123Z");
    expect(statsWindow(Date.parse("2026-11-23T00:30:00Z"), 24).since).toBe("2026-11-22T01:00:00.000Z");
  });
});

describe("foldStats", () => {
  it("puts each count in its hour, totals it overall and per hook, and keeps empty hours", () => {
    const w = statsWindow(Date.parse("2026-11-23T10:17:00Z"), 3);
    const rows: CountRow[] = [
      { hour: "2026-11-23T08", hookId: "h1", status: "succeeded", n: 4 },
      { hour: "2026-11-23T10", hookId: "h1", status: "dead", n: 1 },
      { hour: "2026-11-23T10", hookId: "h2", status: "failed", n: 2 },
      { hour: "2026-11-23T11", hookId: "h2", status: "succeeded", n: 9 }, // after now (another clock): not in the window
    ];
    const f = foldStats(rows, w);
    expect(f.hours.map((h) => [h.hour, h.total])).toEqual([
      ["2026-11-23T08:00:00.000Z", 4],
      ["2026-11-23T09:00:00.000Z", 0],
      ["2026-11-23T10:00:00.000Z", 3],
    ]);
    expect(f.totals).toEqual({ succeeded: 4, failed: 2, dead: 1, pending: 0, skipped: 0, total: 7 });
    expect(f.byHook.get("h1")).toEqual({ succeeded: 4, failed: 0, dead: 1, pending: 0, skipped: 0, total: 5 });
    expect(f.byHook.get("h2")?.failed).toBe(2);
  });

  it("rates success among tried deliveries only", () => {
    expect(successRate({ succeeded: 3, failed: 1, dead: 0, pending: 5, skipped: 2, total: 11 })).toBe(0.75);
    expect(successRate({ succeeded: 0, failed: 0, dead: 0, pending: 5, skipped: 2, total: 7 })).toBeNull();
  });
});
