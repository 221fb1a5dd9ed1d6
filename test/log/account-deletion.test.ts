import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getDb } from "../../src/db/client";
import { deleteAccountRows } from "../../src/db/accounts";
import type { DeliveryLog } from "../../src/durable/delivery-log";
import { hookStateOf } from "../../src/durable/hook-state";
import type { Env } from "../../src/env";
import { ADMIN_TOKEN, call, callAnsweredFirst, newAccount } from "../helpers/api";
import { inLog, logShard, seedDeliveries } from "../helpers/log";

// Deleting an account removes its management data at once and its data plane right after: the log
// objects of every shard (events, deliveries, attempts, gate runs, claims) and its hooks' objects.
// Should that second step fail, the log's own alarm finishes it.

const bindings = env as unknown as Env;
const noQueue = { DELIVERIES: { sendBatch: async () => {} } as unknown as Queue<never> };
const storedDays = (accountId: string) => inLog(accountId, (db) => db.parts.days());
const storedBytes = async (accountId: string) => (await logShard(accountId).usage()).databaseBytes;

describe("deleting an account", () => {
  it("removes its keys, hooks and every log shard's records; its key no longer works; a second delete is a 404", async () => {
    const { accountId, key } = await newAccount();
    const other = await newAccount();
    const hook = (await call("POST", "/v1/hooks", { token: key, body: { name: "h", url: "https://receiver.example.com/hook" } })).body;
    expect((await call("PATCH", `/v1/accounts/${accountId}`, { token: ADMIN_TOKEN, body: { log_shards: 2 } })).status).toBe(200);
    await seedDeliveries(accountId, "t", [{ hookId: hook.id, status: "failed", createdAt: new Date().toISOString() }]);
    await seedDeliveries(other.accountId, "t", [{ hookId: "hook_other", status: "failed", createdAt: new Date().toISOString() }]);
    // Its first attempt fails (no such host) and its retry waits 5 s in the publishing Worker: deleted meanwhile.
    const published = await callAnsweredFirst("POST", "/v1/events", { token: key, body: { type: "t", payload: { a: 1 } } });
    expect(published.status).toBe(202);
    await hookStateOf(bindings.HOOK_STATE, hook.id).recordAttempt({ ok: false, status: 500 });
    expect((await storedDays(accountId)).length).toBeGreaterThan(0);

    expect((await call("DELETE", `/v1/accounts/${accountId}`, { token: ADMIN_TOKEN })).status).toBe(204);
    expect((await call("GET", `/v1/accounts/${accountId}`, { token: ADMIN_TOKEN })).status).toBe(404);
    expect((await call("GET", "/v1/hooks", { token: key })).status).toBe(401);
    expect(await bindings.DB.prepare("select count(*) as n from hooks where account_id = ?").bind(accountId).first("n")).toBe(0);
    for (const shard of [0, 1]) {
      const days = await runInDurableObject(logShard(accountId, shard), (log) => (log as unknown as { db: { parts: { days(): string[] } } }).db.parts.days());
      expect(days, `shard ${shard}`).toEqual([]);
      expect(await runInDurableObject(logShard(accountId, shard), (_log, state) => state.storage.getAlarm()), `shard ${shard}`).toBeNull();
    }
    expect(await hookStateOf(bindings.HOOK_STATE, hook.id).status()).toMatchObject({ circuit: "closed", consecutive_failures: 0 });
    // Another account's log is untouched.
    expect((await storedDays(other.accountId)).length).toBeGreaterThan(0);
    expect((await call("GET", "/v1/deliveries", { token: other.key })).body.data).toHaveLength(1);

    expect((await call("DELETE", `/v1/accounts/${accountId}`, { token: ADMIN_TOKEN })).status).toBe(404);
    // The publish's retry, after the deletion, finds nothing to send and writes nothing back.
    await published.done;
    expect(await runInDurableObject(logShard(accountId, 0), (log) => (log as unknown as { db: { parts: { days(): string[] } } }).db.parts.days())).toEqual([]);
  }, 20_000);

  it("a log object its deletion could not clear clears itself at its next alarm", async () => {
    const { accountId } = await newAccount();
    await seedDeliveries(accountId, "t", [{ hookId: "hook_1", status: "failed", createdAt: new Date().toISOString() }]);
    // The account's rows are gone, but its log was not reached (as when that call fails).
    await deleteAccountRows(getDb(bindings.DB), accountId);
    expect((await storedDays(accountId)).length).toBeGreaterThan(0);
    const before = await storedBytes(accountId);
    await runInDurableObject(logShard(accountId), (log) => (log as DeliveryLog).upkeep(noQueue));
    const after = await runInDurableObject(logShard(accountId), (log) => (log as unknown as { db: { parts: { days(): string[] } } }).db.parts.days());
    expect(after).toEqual([]);
    expect(await storedBytes(accountId)).toBeLessThan(before);
  });
});
