import type { Db } from "../db/client";
import { snapshotReads } from "../db/fanout-snapshot";
import type { MatchableHook } from "../domain/matching";

// Fan-out data of recently active accounts, kept in isolate memory so that a warm ingest costs two
// D1 round trips (the API-key check, the write transaction) instead of three. Never trusted blindly:
// the write transaction starts with a guard that fails when the hooks or the catalog changed since
// (src/db/fanout-snapshot.ts), and the publish is then planned again from a fresh read. So a hook
// created, changed or disabled anywhere — another isolate, another location, the consumer's
// auto-disable — is honoured by the very next event, exactly as without the cache.
//
// API keys are deliberately NOT cached: a revoked key must answer 401 at once, everywhere.

export interface FanoutSnapshot {
  catalog: Array<{ name: string; applicationLevel: boolean }>;
  hooks: MatchableHook[];
  /** What the guard compares; see `fingerprintOf` in src/db/fanout-snapshot.ts. */
  fingerprint: string;
}

/** Accounts kept (least recently used dropped first). */
const MAX_ACCOUNTS = 500;
/**
 * A larger snapshot is not kept: its fingerprint travels as a parameter of every guarded write, and
 * D1 caps a value at 2 MB. Such accounts read their snapshot on every publish instead.
 */
const MAX_FINGERPRINT_CHARS = 256 * 1024;

const snapshots = new Map<string, FanoutSnapshot>();

/** The cached snapshot, or a fresh one (one round trip), which is then kept. */
export async function fanoutSnapshot(db: Db, accountId: string, fresh = false): Promise<FanoutSnapshot> {
  const hit = fresh ? undefined : snapshots.get(accountId);
  if (hit) {
    snapshots.delete(accountId); // re-inserted: most recently used last
    snapshots.set(accountId, hit);
    return hit;
  }
  const [catalog, hooks, fp] = await db.batch(snapshotReads(db, accountId));
  const snapshot: FanoutSnapshot = { catalog, hooks, fingerprint: fp[0]?.fingerprint ?? "" };
  snapshots.delete(accountId);
  if (guardable(snapshot)) {
    snapshots.set(accountId, snapshot);
    if (snapshots.size > MAX_ACCOUNTS) snapshots.delete(snapshots.keys().next().value!);
  }
  return snapshot;
}

/** Whether a write may be guarded by this snapshot's fingerprint (see MAX_FINGERPRINT_CHARS). */
export function guardable(snapshot: FanoutSnapshot): boolean {
  return snapshot.fingerprint.length <= MAX_FINGERPRINT_CHARS;
}
