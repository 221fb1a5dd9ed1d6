import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { byLogObject, dayOf, deliveryIdOf, lowestIdAt, SHARD_ID_SPACE, MAX_POSITION, newLogId, parseLogId } from "../../src/domain/log-ids";

// The delivery log's ids say where their record lives: shard, day, and a delivery's event and position.

describe("log ids", () => {
  it("an event's and its deliveries' ids name the shard, the time, the event and the position", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SHARD_ID_SPACE - 1 }), fc.integer({ min: 0, max: MAX_POSITION - 1 }), fc.integer({ min: 0, max: 2 ** 44 }), (shard, position, ms) => {
        const evt = newLogId("evt", shard, ms);
        expect(evt).toMatch(/^evt_[0-9A-Z]{26}$/);
        expect(parseLogId(evt)).toEqual({ kind: "evt", shard, ms, eventId: evt, position: -1 });
        const dlv = deliveryIdOf(evt, position);
        expect(dlv).toMatch(/^dlv_[0-9A-Z]{26}$/);
        expect(parseLogId(dlv)).toEqual({ kind: "dlv", shard, ms, eventId: evt, position });
      }),
    );
  });

  it("sort by time, and a delivery's siblings by position", () => {
    const a = newLogId("evt", 3, 1_000);
    const b = newLogId("evt", 0, 1_001);
    expect(a < b).toBe(true);
    expect(deliveryIdOf(a, 0) < deliveryIdOf(a, 1)).toBe(true);
    expect(deliveryIdOf(a, 9) < deliveryIdOf(a, 10)).toBe(true);
    expect(lowestIdAt("evt", 1_001) <= b).toBe(true);
    expect(lowestIdAt("evt", 1_001) > a).toBe(true);
  });

  it("ids of one millisecond are distinct and in order; a time in the past keeps its own time (its day)", () => {
    const now = Date.UTC(2026, 11, 2, 12);
    const ids = Array.from({ length: 50 }, () => newLogId("evt", 0, now));
    expect(new Set(ids).size).toBe(50);
    expect([...ids].sort()).toEqual(ids);
    const tenDaysAgo = now - 10 * 86_400_000;
    expect(dayOf(parseLogId(newLogId("evt", 0, tenDaysAgo))!.ms)).toBe("20261122");
  });

  it("anything this log did not make is not an id of it", () => {
    const evt = newLogId("evt", 1);
    for (const id of ["", "evt_", "hook_01JD3Z5Q3W9X4Y2V8N6M1K0P7R", evt.toLowerCase(), `${evt}0`, evt.replace("evt_", "dlv_"), deliveryIdOf(evt, 0).replace("dlv_", "evt_"), "evt_01JD3Z5Q3W9X4Y2V8N6M1K0PIL"]) {
      expect(parseLogId(id)).toBeNull();
    }
  });

  it("groups deliveries by the log object that holds them, (account, shard), leaving out what the log did not make", () => {
    const a0 = deliveryIdOf(newLogId("evt", 0), 0);
    const a1 = deliveryIdOf(newLogId("evt", 1), 2);
    const a0b = deliveryIdOf(newLogId("evt", 0), 1);
    const groups = byLogObject([
      { accountId: "acc_a", id: a0 },
      { accountId: "acc_a", id: a1 },
      { accountId: "acc_b", id: a0b },
      { accountId: "acc_a", id: a0b },
      { accountId: "acc_a", id: "dlv_not-ours" },
      { accountId: "acc_a", id: newLogId("evt", 0) },
    ]);
    expect(groups.map((g) => [g.accountId, g.shard, g.items.map((i) => i.id)])).toEqual([
      ["acc_a", 0, [a0, a0b]],
      ["acc_a", 1, [a1]],
      ["acc_b", 0, [a0b]],
    ]);
  });
});
