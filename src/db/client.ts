import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = DrizzleD1Database<typeof schema>;

const clients = new WeakMap<D1Database, Db>();

export function getDb(d1: D1Database): Db {
  let db = clients.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    clients.set(d1, db);
  }
  return db;
}

/**
 * A statement built once per client and kept under `key` (its placeholders filled per run): for the
 * hot path's reads, where drizzle's building of a statement cost more CPU than running it (a tenth
 * of a publish's CPU in the bench's profile, docs/architecture.md "Ingest rate").
 */
export function preparedOnce<T>(db: Db, key: string, build: () => T): T {
  let statements = prepared.get(db);
  if (!statements) prepared.set(db, (statements = new Map()));
  if (!statements.has(key)) statements.set(key, build());
  return statements.get(key) as T;
}

const prepared = new WeakMap<Db, Map<string, unknown>>();

export function nowIso(): string {
  return new Date().toISOString();
}

/** D1 reports constraint violations only in the message text. */
export function isUniqueViolation(err: unknown): boolean {
  const msg = err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? "")}` : String(err);
  return msg.includes("UNIQUE constraint failed");
}
