import { describe, expect, it } from "vitest";
import { deliveryIdOf, newLogId } from "../../src/domain/log-ids";
import type { LogDb } from "../../src/log/log-db";
import { appendDeliveries, insertEvent } from "../../src/log/writes";
import { call, newAccount } from "../helpers/api";
import { inLog } from "../helpers/log";

// A replay appends deliveries to its event's row (src/log/writes.ts appendDeliveries): positions go
// on from the event's last, and an event that cannot hold more answers "full" with its row unchanged.

async function storedEvent(accountId: string, hooks: string[]) {
  const at = Date.now();
  const event = { id: newLogId("evt", 0, at), accountId, type: "t", payload: "{}", applications: null, workId: null, idempotencyKey: null, createdAt: new Date(at).toISOString() };
  await inLog(accountId, (db) => insertEvent(db, event, hooks));
  return event;
}

const rowLength = (accountId: string, eventId: string) =>
  inLog(accountId, (db: LogDb) => {
    const day = new Date().toISOString().slice(0, 10).replaceAll("-", "");
    return (JSON.parse(db.sql.exec<{ deliveries: string }>(`SELECT deliveries FROM ev_${day} WHERE id = ?`, eventId).one().deliveries) as unknown[]).length;
  });

describe("appending deliveries to a stored event (replay)", () => {
  it("continues the event's positions, and the new deliveries are found by id as pending", async () => {
    const { accountId, key } = await newAccount();
    const event = await storedEvent(accountId, ["hook_a", "hook_b"]);
    const now = new Date().toISOString();
    expect(await inLog(accountId, (db) => appendDeliveries(db, event.id, ["hook_c"], now))).toEqual([2]);
    expect(await inLog(accountId, (db) => appendDeliveries(db, newLogId("evt", 0), ["hook_c"], now))).toBeNull();
    const got = await call("GET", `/v1/deliveries/${deliveryIdOf(event.id, 2)}`, { token: key });
    expect(got.body).toMatchObject({ id: deliveryIdOf(event.id, 2), event_id: event.id, hook_id: "hook_c", status: "pending", attempts: 0 });
    expect(await rowLength(accountId, event.id)).toBe(3);
  });

  it("answers full, leaving the row as it was, when the event's record cannot hold the new deliveries", async () => {
    const { accountId } = await newAccount();
    const hooks = Array.from({ length: 10_000 }, (_, i) => `hook_${String(i).padStart(26, "0")}`);
    const event = await storedEvent(accountId, hooks);
    const now = new Date().toISOString();
    // 10,000 more would pass SQLite's row size; 100 more fit.
    expect(await inLog(accountId, (db) => appendDeliveries(db, event.id, hooks, now))).toBe("full");
    expect(await rowLength(accountId, event.id)).toBe(10_000);
    expect(await inLog(accountId, (db) => appendDeliveries(db, event.id, hooks.slice(0, 100), now))).toEqual(Array.from({ length: 100 }, (_, i) => 10_000 + i));
    expect(await rowLength(accountId, event.id)).toBe(10_100);
  });
});
