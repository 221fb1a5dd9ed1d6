import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { logOf, type DeliveryLog } from "../../src/durable/delivery-log";
import { deliveryIdOf, newLogId } from "../../src/domain/log-ids";
import type { Env } from "../../src/env";
import type { LogDb } from "../../src/log/log-db";
import type { DeliveryStatus } from "../../src/log/records";
import { insertEvent, updateDeliveries } from "../../src/log/writes";

// The delivery log seen from tests: an account's shard object, and records written straight into it
// with the statuses and creation times a test needs (making them through real deliveries would take
// minutes of retries).

export const logNs = () => (env as unknown as Env).DELIVERY_LOG;

export function logShard(accountId: string, shard = 0): DurableObjectStub<DeliveryLog> {
  return logOf(logNs(), accountId, shard);
}

export interface SeededDelivery {
  hookId: string;
  status: DeliveryStatus;
  createdAt: string;
}

/** Inside the account's shard (default 0): `fn` gets the object's own log (SQL, partitions, first successes). */
export async function inLog<T>(accountId: string, fn: (db: LogDb, state: DurableObjectState) => T, shard = 0): Promise<T> {
  const stub = logShard(accountId, shard);
  await stub.configure({ accountId, shard, retentionDays: 30 });
  return runInDurableObject(stub, (instance, state) => fn((instance as unknown as { db: LogDb }).db, state));
}

/**
 * One event of `type` per row, created at the row's time, with that one delivery in the row's
 * status, in the account's shard `shard` (default 0); answers the delivery ids in row order.
 */
export async function seedDeliveries(accountId: string, type: string, rows: SeededDelivery[], shard = 0): Promise<string[]> {
  return inLog(
    accountId,
    (db) =>
      rows.map((r) => {
        const at = Date.parse(r.createdAt);
        const event = { id: newLogId("evt", shard, at), accountId, type, payload: "{}", applications: null, workId: null, idempotencyKey: null, createdAt: r.createdAt };
        insertEvent(db, event, [r.hookId]);
        const id = deliveryIdOf(event.id, 0);
        updateDeliveries(db, [id], (d) => ((d.s = r.status), (d.n = r.status === "pending" ? 0 : 1), true));
        return id;
      }),
    shard,
  );
}

/**
 * `count` deliveries spread evenly over the `spanMs` before `endMs`, one event each, round-robin over
 * the hooks, with a status cycle of 8 (5 succeeded, 1 failed, 1 dead, 1 pending).
 */
export async function seedManyDeliveries(accountId: string, hookIds: string[], count: number, endMs: number, spanMs: number): Promise<void> {
  const cycle: DeliveryStatus[] = ["succeeded", "succeeded", "succeeded", "succeeded", "succeeded", "failed", "dead", "pending"];
  await inLog(accountId, (db, state) =>
    state.storage.transactionSync(() => {
      for (let i = 0; i < count; i++) {
        const at = Math.floor(endMs - spanMs + (i * spanMs) / count);
        const createdAt = new Date(at).toISOString();
        const event = { id: newLogId("evt", 0, at), accountId, type: "bulk.test", payload: "{}", applications: null, workId: null, idempotencyKey: null, createdAt };
        insertEvent(db, event, [hookIds[i % hookIds.length]!]);
        const status = cycle[i % 8]!;
        if (status !== "pending") updateDeliveries(db, [deliveryIdOf(event.id, 0)], (d) => ((d.s = status), (d.n = 1), true));
      }
    }),
  );
}
