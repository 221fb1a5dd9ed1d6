import type { Db } from "../db/client";
import { snapshotReads } from "../db/fanout-snapshot";
import type { MatchableHook } from "../domain/matching";

// Fan-out data of recently active accounts, kept in isolate memory so that a warm publish reads
// nothing from D1 but the API key (whose statement also reads the account's `fanout_version`). A
// snapshot is used only while its version is the account's current one: a hook created, changed or
// disabled anywhere (another isolate, another location, the consumer's auto-disable) bumps the
// version in the same D1 transaction, so the very next publish that reads the key sees it.
//
// API keys are deliberately NOT cached: a revoked key must answer 401 at once, everywhere.

export interface FanoutSnapshot {
  catalog: Array<{ name: string; applicationLevel: boolean; applicationsPath: string | null }>;
  /** `ordering`: a FIFO hook's deliveries join its line at publish (src/delivery/fifo.ts). */
  hooks: Array<MatchableHook & { ordering: "none" | "fifo" }>;
  /** The account's `fanout_version` when this was read. */
  version: number;
}

/** Accounts kept (least recently used dropped first). */
const MAX_ACCOUNTS = 500;

const snapshots = new Map<string, FanoutSnapshot>();

/** The cached snapshot if it is of `currentVersion`, or a fresh one (one round trip), which is then kept. */
export async function fanoutSnapshot(db: Db, accountId: string, currentVersion: number): Promise<FanoutSnapshot> {
  const hit = snapshots.get(accountId);
  if (hit && hit.version === currentVersion) {
    snapshots.delete(accountId); // re-inserted: most recently used last
    snapshots.set(accountId, hit);
    return hit;
  }
  const [catalog, hooks, version] = await db.batch(snapshotReads(db, accountId));
  const snapshot: FanoutSnapshot = { catalog, hooks, version: version[0]?.version ?? -1 };
  snapshots.delete(accountId);
  snapshots.set(accountId, snapshot);
  if (snapshots.size > MAX_ACCOUNTS) snapshots.delete(snapshots.keys().next().value!);
  return snapshot;
}
