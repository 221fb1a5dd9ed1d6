import type { z } from "@hono/zod-openapi";
import { SealedIn, secretBoxFor } from "../crypto/secret-box";
import type { AccountContext } from "../context";
import { nowIso } from "../db/client";
import { replaceHookSecret } from "../db/hook-secrets";
import { findHook } from "../db/hooks";
import { signingSecrets } from "../delivery/signing-secrets";
import { generateSecret } from "../domain/hook-secret";
import { ApiError } from "../errors";
import type { HookSecret } from "../schemas/hooks";

/** Who reads or rotates a hook's secret (`keyId`: who rotated it, kept on the hook). */
type SecretActor = Pick<AccountContext, "db" | "config" | "accountId" | "keyId">;

type HookSecrets = z.infer<typeof HookSecret>;

/**
 * The hook's signing secrets as GET /v1/hooks/{id}/secret answers them: the current one, and the
 * previous one while its grace period lasts, by the same rule that decides what deliveries are
 * signed with (signingSecrets).
 */
export async function readHookSecret(actor: Omit<SecretActor, "keyId">, hookId: string): Promise<HookSecrets> {
  const hook = await findHook(actor.db, actor.accountId, hookId);
  if (!hook) throw ApiError.notFound("hook");
  const [secret, previous] = await signingSecrets(hook, actor.config);
  return { secret: secret!, previous_secret: previous ?? null, previous_secret_expires_at: previous === undefined ? null : hook.previousSecretExpiresAt };
}

/**
 * A new signing secret, answered once here (and by GET /v1/hooks/{id}/secret). The secret it
 * replaces is kept sealed until the grace period ends; meanwhile every delivery carries a signature
 * of each, so receivers can switch secrets without losing a delivery. The hook's state is left as is:
 * the endpoint has not changed, and both signatures keep it verifiable.
 */
export async function rotateHookSecret(actor: SecretActor, hookId: string, graceSeconds: number): Promise<HookSecrets> {
  const hook = await findHook(actor.db, actor.accountId, hookId);
  if (!hook) throw ApiError.notFound("hook");
  const box = await secretBoxFor(actor.config);
  const secret = generateSecret();
  const now = nowIso();
  const expiresAt = graceSeconds > 0 ? new Date(Date.parse(now) + graceSeconds * 1000).toISOString() : null;
  // The secret it replaces moves to the previous-secret column: sealed again for that column.
  const replacedSecret = expiresAt ? await box.open(hook.secretSealed, SealedIn.hookSecret(hook.id)) : null;
  const replaced = await replaceHookSecret(actor.db, actor.accountId, hookId, hook.secretSealed, {
    secretSealed: await box.seal(secret, SealedIn.hookSecret(hook.id)),
    previousSecretSealed: replacedSecret === null ? null : await box.seal(replacedSecret, SealedIn.hookPreviousSecret(hook.id)),
    previousSecretExpiresAt: expiresAt,
    updatedBy: actor.keyId,
    updatedAt: now,
  });
  if (!replaced) throw ApiError.conflict("the secret changed while rotating it; retry");
  return { secret, previous_secret: replacedSecret, previous_secret_expires_at: expiresAt };
}
