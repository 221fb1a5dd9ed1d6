import { and, eq } from "drizzle-orm";
import type { Db } from "./client";
import { hooks, type NewHookRow } from "./schema";

type SecretFields = Pick<NewHookRow, "secretSealed" | "previousSecretSealed" | "previousSecretExpiresAt" | "publicKey" | "updatedBy" | "updatedByUserId" | "updatedAt">;

/**
 * Replaces a hook's secret only if it is still the one the rotation read (compare-and-set), so two
 * concurrent rotations cannot both keep "the previous secret" and lose one of them.
 */
export async function replaceHookSecret(db: Db, accountId: string, id: string, expectedSealed: string, set: SecretFields): Promise<boolean> {
  const rows = await db
    .update(hooks)
    .set(set)
    .where(and(eq(hooks.id, id), eq(hooks.accountId, accountId), eq(hooks.secretSealed, expectedSealed)))
    .returning({ id: hooks.id });
  return rows.length > 0;
}
