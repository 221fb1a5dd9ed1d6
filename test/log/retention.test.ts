import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DeliveryLog } from "../../src/durable/delivery-log";
import { ADMIN_TOKEN, call, newAccount } from "../helpers/api";
import { logShard, seedDeliveries } from "../helpers/log";

// Retention: an account's log keeps `retention_days` (default 30, 1 to 400) and its alarm drops every
// day older than that, payloads, attempts and gate runs included, and nothing younger. A day is
// dropped as a whole (DROP TABLE): the purge writes a few rows of the schema per day, not a row per
// record, which a DELETE would (measured below with the object's own count).

const DAY = 86_400_000;
const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();
const noQueue = { DELIVERIES: { sendBatch: async () => {} } as unknown as Queue<never> };

async function upkeep(accountId: string): Promise<number> {
  const before = (await logShard(accountId).usage()).rowsWritten;
  await runInDurableObject(logShard(accountId), (log) => (log as DeliveryLog).upkeep(noQueue));
  return (await logShard(accountId).usage()).rowsWritten - before;
}

describe("retention", () => {
  it("drops what is older than the account's retention, payloads and attempts included, and nothing younger", async () => {
    const { accountId, key } = await newAccount();
    const hookId = "hook_retention";
    const rows = (daysAgo: number, n: number) => Array.from({ length: n }, () => ({ hookId, status: "succeeded" as const, createdAt: at(daysAgo) }));
    const old = await seedDeliveries(accountId, "t", [...rows(45, 50), ...rows(31, 50)]);
    const young = await seedDeliveries(accountId, "t", [...rows(29, 5), ...rows(1, 5), ...rows(0, 5)]);
    const youngBefore = await Promise.all(young.map((id) => call("GET", `/v1/deliveries/${id}`, { token: key })));

    const written = await upkeep(accountId);
    for (const id of old) expect((await call("GET", `/v1/deliveries/${id}`, { token: key })).status).toBe(404);
    const youngAfter = await Promise.all(young.map((id) => call("GET", `/v1/deliveries/${id}`, { token: key })));
    expect(youngAfter.map((r) => [r.status, r.body])).toEqual(youngBefore.map((r) => [200, r.body]));
    const listed = (await call("GET", `/v1/deliveries?hook_id=${hookId}&limit=100`, { token: key })).body.data.map((d: { id: string }) => d.id);
    expect(listed.sort()).toEqual([...young].sort());
    // Two days of 50 events each dropped: a few rows of the schema, far from the 100 a DELETE writes.
    expect(written).toBeLessThan(20);
  });

  it("retention_days is the account's (admin API, 1 to 400 days) and applies to what is already stored", async () => {
    const { accountId, key } = await newAccount();
    const hookId = "hook_retention";
    const [tenDaysOld] = await seedDeliveries(accountId, "t", [{ hookId, status: "succeeded", createdAt: at(10) }]);
    const [today] = await seedDeliveries(accountId, "t", [{ hookId, status: "succeeded", createdAt: at(0) }]);
    const admin = { token: ADMIN_TOKEN };
    expect((await call("GET", `/v1/accounts/${accountId}`, admin)).body).toMatchObject({ retention_days: 30, log_shards: 1 });
    for (const bad of [0, 401, 1.5, "7"]) expect((await call("PATCH", `/v1/accounts/${accountId}`, { ...admin, body: { retention_days: bad } })).status).toBe(400);
    const patched = await call("PATCH", `/v1/accounts/${accountId}`, { ...admin, body: { retention_days: 7 } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ retention_days: 7 });
    await upkeep(accountId);
    expect((await call("GET", `/v1/deliveries/${tenDaysOld}`, { token: key })).status).toBe(404);
    expect((await call("GET", `/v1/deliveries/${today}`, { token: key })).status).toBe(200);
  });

  it("an account's own key reads and sets its retention (not its shards), and only its own account's", async () => {
    const { accountId, key } = await newAccount();
    const other = await newAccount();
    expect((await call("GET", "/v1/account", { token: key })).body).toMatchObject({ id: accountId, retention_days: 30, log_shards: 1 });
    const set = await call("PATCH", "/v1/account", { token: key, body: { retention_days: 90 } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id: accountId, retention_days: 90 });
    expect((await call("PATCH", "/v1/account", { token: key, body: { log_shards: 2 } })).status).toBe(400);
    expect((await call("PATCH", "/v1/account", { token: key, body: { retention_days: 401 } })).status).toBe(400);
    expect((await call("GET", "/v1/account", { token: other.key })).body).toMatchObject({ id: other.accountId, retention_days: 30 });
    expect((await call("GET", `/v1/accounts/${accountId}`, { token: ADMIN_TOKEN })).body).toMatchObject({ retention_days: 90, log_shards: 1 });
    // The log object was told at once.
    expect(await runInDurableObject(logShard(accountId), (_log, state) => state.storage.kv.get("meta"))).toMatchObject({ retentionDays: 90 });
  });

  it("a DELETE of the same records would write a row per record: what the day partitions save", async () => {
    const { accountId } = await newAccount();
    await seedDeliveries(accountId, "t", Array.from({ length: 40 }, () => ({ hookId: "hook_x", status: "succeeded" as const, createdAt: at(40) })));
    const deleted = await runInDurableObject(logShard(accountId), (_log, state) => {
      const table = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'ev_[0-9]*'").one().name;
      return state.storage.sql.exec(`DELETE FROM ${table}`).rowsWritten;
    });
    expect(deleted).toBeGreaterThanOrEqual(40);
  });
});
