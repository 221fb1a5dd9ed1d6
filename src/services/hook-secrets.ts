import { secretBoxFor } from "../crypto/secret-box";
import { nowIso, type Db } from "../db/client";
import { replaceHookSecret } from "../db/hook-secrets";
import { findHook } from "../db/hooks";
import { generateSecret } from "../domain/hook-secret";
import type { Config } from "../env";
import { ApiError } from "../errors";

export interface SecretActor {
  db: Db;
  config: Config;
  accountId: string;
  keyId: string;
}

export interface RotatedSecret {
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
}

/**
 * A new signing secret, answered once here (and by GET /v1/hooks/{id}/secret). The secret it
 * replaces is kept sealed until the grace period ends; meanwhile every delivery carries a signature
 * of each, so receivers can switch secrets without losing a delivery. The hook's state is left as is:
 * the endpoint has not changed, and both signatures keep it verifiable.
 */
export async function rotateHookSecret(actor: SecretActor, hookId: string, graceSeconds: number): Promise<RotatedSecret> {
  const hook = await findHook(actor.db, actor.accountId, hookId);
  if (!hook) throw ApiError.notFound("hook");
  const box = await secretBoxFor(actor.config);
  const secret = generateSecret();
  const now = nowIso();
  const expiresAt = graceSeconds > 0 ? new Date(Date.parse(now) + graceSeconds * 1000).toISOString() : null;
  const replaced = await replaceHookSecret(actor.db, actor.accountId, hookId, hook.secretSealed, {
    secretSealed: await box.seal(secret),
    previousSecretSealed: expiresAt ? hook.secretSealed : null,
    previousSecretExpiresAt: expiresAt,
    updatedBy: actor.keyId,
    updatedAt: now,
  });
  if (!replaced) throw ApiError.conflict("the secret changed while rotating it; retry");
  return { secret, previous_secret: expiresAt ? await box.open(hook.secretSealed) : null, previous_secret_expires_at: expiresAt };
}
