import { deleteAccountRows } from "../db/accounts";
import type { Db } from "../db/client";
import { logOf } from "../durable/delivery-log";
import { hookStateOf } from "../durable/hook-state";
import type { Env } from "../env";
import { errorDetail, log } from "../observability/log";
import { accountTunnels, disconnectTunnels } from "./tunnels";

// Deleting an account: its management data leaves D1 at once (one atomic batch: from then on no key
// authenticates and nothing is published or delivered for it), then its data plane is cleared: every
// log object it may have (events, deliveries, attempts, gate runs, idempotency claims, the alarm),
// each hook's Durable Object, and the sockets of its tunnels. That second step is best-effort here and certain eventually: a log
// object whose account no longer exists clears itself at its next alarm (at most an hour away), and
// a message still queued for the account finds no delivery and no hook, and is dropped.

export async function deleteAccount(db: Db, env: Pick<Env, "DELIVERY_LOG" | "HOOK_STATE" | "TUNNEL">, id: string): Promise<boolean> {
  const tunnels = await accountTunnels(db, id); // read while the hooks that make them still exist
  const deleted = await deleteAccountRows(db, id);
  if (!deleted) return false;
  const shards = Array.from({ length: deleted.account.logShards }, (_, shard) => shard);
  const results = await Promise.allSettled([
    ...shards.map((shard) => logOf(env.DELIVERY_LOG, id, shard).destroy()),
    ...deleted.hookIds.map((hookId) => hookStateOf(env.HOOK_STATE, hookId).purge()),
    disconnectTunnels(env.TUNNEL, id, tunnels, null),
  ]);
  const failed = results.filter((r) => r.status === "rejected");
  if (failed.length > 0) {
    log("warn", "clearing a deleted account's Durable Objects left some for later (their alarms finish it)", { account_id: id, failed: failed.length, error: errorDetail((failed[0] as PromiseRejectedResult).reason) });
  }
  return true;
}
