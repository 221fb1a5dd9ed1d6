import { and, asc, eq, gt, isNull, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { hooks, slackConnections } from "./schema";

// The columns that hold sealed secrets (see src/crypto/secret-box.ts), read and rewritten by the
// re-encryption after a key rotation. Only these columns: nothing else of a row is touched.

export interface HookSealed {
  id: string;
  secretSealed: string;
  previousSecretSealed: string | null;
}

export interface SlackSealed {
  accountId: string;
  tokenSealed: string;
}

export async function pageHookSealed(db: Db, afterId: string, limit: number): Promise<HookSealed[]> {
  return db
    .select({ id: hooks.id, secretSealed: hooks.secretSealed, previousSecretSealed: hooks.previousSecretSealed })
    .from(hooks)
    .where(gt(hooks.id, afterId))
    .orderBy(asc(hooks.id))
    .limit(limit)
    .all();
}

export async function pageSlackSealed(db: Db, afterAccountId: string, limit: number): Promise<SlackSealed[]> {
  return db
    .select({ accountId: slackConnections.accountId, tokenSealed: slackConnections.tokenSealed })
    .from(slackConnections)
    .where(gt(slackConnections.accountId, afterAccountId))
    .orderBy(asc(slackConnections.accountId))
    .limit(limit)
    .all();
}

const sameOrNull = (column: typeof hooks.previousSecretSealed, value: string | null): SQL =>
  value === null ? isNull(column) : eq(column, value);

/**
 * Writes re-sealed values in one atomic batch. Each update is a compare-and-set on the values that
 * were read: a secret changed meanwhile (a PATCH, a rotation) is left as the newer write made it.
 * Returns how many rows were rewritten.
 */
export async function resealHooks(db: Db, rows: Array<{ from: HookSealed; to: HookSealed }>): Promise<number> {
  if (rows.length === 0) return 0;
  const statements = rows.map(({ from, to }) =>
    db
      .update(hooks)
      .set({ secretSealed: to.secretSealed, previousSecretSealed: to.previousSecretSealed })
      .where(and(eq(hooks.id, from.id), eq(hooks.secretSealed, from.secretSealed), sameOrNull(hooks.previousSecretSealed, from.previousSecretSealed)))
      .returning({ id: hooks.id }),
  );
  const results = await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  return results.reduce((n, r) => n + r.length, 0);
}

export async function resealSlackTokens(db: Db, rows: Array<{ from: SlackSealed; to: SlackSealed }>): Promise<number> {
  if (rows.length === 0) return 0;
  const statements = rows.map(({ from, to }) =>
    db
      .update(slackConnections)
      .set({ tokenSealed: to.tokenSealed })
      .where(and(eq(slackConnections.accountId, from.accountId), eq(slackConnections.tokenSealed, from.tokenSealed)))
      .returning({ accountId: slackConnections.accountId }),
  );
  const results = await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  return results.reduce((n, r) => n + r.length, 0);
}

/**
 * How many sealed values each key id holds, over every sealed column. A sealed value is
 * `v1.<8-hex key id>.…`, so the key id is characters 4..11. A full scan: an admin's occasional
 * question ("may I drop the old key yet?"), never on a request path.
 */
export async function countSealedByKey(db: Db): Promise<Array<{ keyId: string; count: number }>> {
  const rows = await db.all<{ key_id: string; n: number }>(sql`
    select substr(v, 4, 8) as key_id, count(*) as n from (
      select ${hooks.secretSealed} as v from ${hooks}
      union all select ${hooks.previousSecretSealed} from ${hooks} where ${hooks.previousSecretSealed} is not null
      union all select ${slackConnections.tokenSealed} from ${slackConnections}
    ) group by key_id order by key_id`);
  return rows.map((r) => ({ keyId: r.key_id, count: Number(r.n) }));
}
