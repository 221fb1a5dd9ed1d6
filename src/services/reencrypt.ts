import type { z } from "@hono/zod-openapi";
import { SealedIn, SecretBox } from "../crypto/secret-box";
import type { Db } from "../db/client";
import { errorMessage } from "../error-message";
import { countSealedByKey, pageHookSealed, pageSlackSealed, resealHooks, resealSlackTokens, type HookSealed, type SlackSealed } from "../db/sealed-secrets";
import type { EncryptionKeyUsage, ReencryptReport as ReencryptReportSchema } from "../schemas/admin";

// Re-encryption after a key rotation: every sealed value (hook secret, previous hook secret, Slack
// token) is opened with whichever configured key made it and sealed again with the current key, in
// bounded batches so one call does bounded work. Values sealed before values were bound to their row
// and column (`v1.`, src/crypto/secret-box.ts) are re-sealed bound, even under the current key. Values stay readable throughout: until the last
// batch ran, the old key still opens what it sealed (it is in ENCRYPTION_KEYS_PREVIOUS).

/**
 * What one batch did (schemas/admin.ts): rows `scanned`; `resealed` under the current key;
 * `unbound_found`: values among them sealed before the row binding (re-sealed bound unless unreadable);
 * `changed_meanwhile` (their newer values were kept as they were); `unreadable` (their key is missing
 * from ENCRYPTION_KEYS_PREVIOUS); `next_cursor` to pass back, null when every table is done.
 */
type ReencryptReport = z.infer<typeof ReencryptReportSchema>;
type SealedTable = ReencryptReport["unreadable"][number]["table"];

/** Where the next batch starts: a table and the last primary key done in it. */
interface ReencryptCursor {
  table: SealedTable;
  after: string;
}

function encodeCursor(c: ReencryptCursor): string {
  return `${c.table}:${c.after}`;
}

function decodeCursor(s: string | undefined): ReencryptCursor {
  if (!s) return { table: "hooks", after: "" };
  const i = s.indexOf(":");
  const table = s.slice(0, i);
  if (table !== "hooks" && table !== "slack_connections") throw new Error("unreachable: the schema validates the cursor");
  return { table, after: s.slice(i + 1) };
}

type Outcome<T> = { kind: "current" } | { kind: "resealed"; to: T; unbound: number } | { kind: "unreadable"; error: string };

/** Re-seals one value for its place; null stays null. */
async function reseal(box: SecretBox, sealed: string | null, place: string): Promise<string | null> {
  if (sealed === null || box.isCurrent(sealed)) return sealed;
  return box.seal(await box.open(sealed, place), place);
}

/** Re-seals a row's values, or says why it cannot; `unbound`: how many were sealed before the binding. */
async function resealRow<T>(box: SecretBox, values: Array<string | null>, make: () => Promise<T>): Promise<Outcome<T>> {
  if (values.every((v) => v === null || box.isCurrent(v))) return { kind: "current" };
  const unbound = values.filter((v) => v !== null && SecretBox.isUnbound(v)).length;
  try {
    return { kind: "resealed", to: await make(), unbound };
  } catch (err) {
    return { kind: "unreadable", error: errorMessage(err) };
  }
}

const resealHook = (box: SecretBox, row: HookSealed): Promise<Outcome<HookSealed>> =>
  resealRow(box, [row.secretSealed, row.previousSecretSealed], async () => ({
    id: row.id,
    secretSealed: (await reseal(box, row.secretSealed, SealedIn.hookSecret(row.id)))!,
    previousSecretSealed: await reseal(box, row.previousSecretSealed, SealedIn.hookPreviousSecret(row.id)),
  }));

const resealSlack = (box: SecretBox, row: SlackSealed): Promise<Outcome<SlackSealed>> =>
  resealRow(box, [row.tokenSealed], async () => ({
    accountId: row.accountId,
    tokenSealed: (await reseal(box, row.tokenSealed, SealedIn.slackToken(row.accountId)))!,
  }));

/** How one table's sealed columns are paged, re-sealed and written back. */
interface SealedTableAccess<T> {
  page(db: Db, after: string, limit: number): Promise<T[]>;
  keyOf(row: T): string;
  reseal(box: SecretBox, row: T): Promise<Outcome<T>>;
  write(db: Db, rows: Array<{ from: T; to: T }>): Promise<number>;
}

const TABLES: { hooks: SealedTableAccess<HookSealed>; slack_connections: SealedTableAccess<SlackSealed> } = {
  hooks: { page: pageHookSealed, keyOf: (r) => r.id, reseal: resealHook, write: resealHooks },
  slack_connections: { page: pageSlackSealed, keyOf: (r) => r.accountId, reseal: resealSlack, write: resealSlackTokens },
};
const ORDER: SealedTable[] = ["hooks", "slack_connections"];

/** Up to `limit` rows of one table after `after`, re-sealed and written back; returns the last key if the page was full. */
async function reencryptPage<T>(db: Db, box: SecretBox, table: SealedTable, access: SealedTableAccess<T>, after: string, limit: number, report: ReencryptReport): Promise<string | null> {
  const rows = await access.page(db, after, limit);
  const writes: Array<{ from: T; to: T }> = [];
  for (const row of rows) {
    const outcome = await access.reseal(box, row);
    if (outcome.kind === "resealed") {
      writes.push({ from: row, to: outcome.to });
      report.unbound_found += outcome.unbound;
    }
    else if (outcome.kind === "unreadable") report.unreadable.push({ table, id: access.keyOf(row), error: outcome.error });
  }
  const written = await access.write(db, writes);
  report.scanned += rows.length;
  report.resealed += written;
  report.changed_meanwhile += writes.length - written;
  return rows.length === limit ? access.keyOf(rows[rows.length - 1]!) : null;
}

/** One batch of at most `limit` rows, hooks first, then Slack connections. */
export async function reencryptBatch(db: Db, box: SecretBox, limit: number, cursorText?: string): Promise<ReencryptReport> {
  const report: ReencryptReport = { current_key_id: box.currentKeyId, scanned: 0, resealed: 0, unbound_found: 0, changed_meanwhile: 0, unreadable: [], next_cursor: null };
  const cursor = decodeCursor(cursorText);
  let after = cursor.after;
  for (const table of ORDER.slice(ORDER.indexOf(cursor.table))) {
    const last = await reencryptPage(db, box, table, TABLES[table] as SealedTableAccess<unknown>, after, limit - report.scanned, report);
    if (last !== null) {
      report.next_cursor = encodeCursor({ table, after: last });
      return report;
    }
    after = "";
  }
  return report;
}

/** Which keys still seal something: an old key may leave ENCRYPTION_KEYS_PREVIOUS once it seals nothing. */
export async function keyUsage(db: Db, box: SecretBox): Promise<z.infer<typeof EncryptionKeyUsage>> {
  const counts = new Map((await countSealedByKey(db)).map((r) => [r.keyId, r.count]));
  const ids = [...new Set([...box.keyIds, ...counts.keys()])];
  return {
    current_key_id: box.currentKeyId,
    keys: ids.map((id) => ({ id, current: id === box.currentKeyId, configured: box.keyIds.includes(id), sealed_values: counts.get(id) ?? 0 })),
  };
}
