import type { z } from "@hono/zod-openapi";
import { SealedIn, secretBoxFor } from "../crypto/secret-box";
import type { AccountContext } from "../context";
import { nowIso } from "../db/client";
import { replaceHookSecret } from "../db/hook-secrets";
import { findHook } from "../db/hooks";
import { signingSecrets } from "../delivery/signing-secrets";
import { generateSigningKey, normaliseSigningKey, publicKeyOf } from "../crypto/ed25519";
import { generateSecret, isValidSecret, schemeOfSecret, type SigningScheme } from "../domain/hook-secret";
import { ApiError } from "../errors";
import type { HookSecret } from "../schemas/hooks";

/**
 * Who reads or rotates a hook's secret (`keyId`: who rotated it, kept on the hook; `actingUserId`: the
 * user the call is made for, its Acting-User-Id header, recorded as the hook's updated_by_user_id).
 */
type SecretActor = Pick<AccountContext, "db" | "config" | "accountId" | "keyId"> & { actingUserId?: string | null };

type HookSecrets = z.infer<typeof HookSecret>;

/** A new key of a scheme: a `whsec_` secret (v1), or an ed25519 key pair (v1a). */
export async function newSigningKey(scheme: SigningScheme): Promise<{ secret: string; publicKey: string | null }> {
  return scheme === "v1a" ? generateSigningKey() : { secret: generateSecret(), publicKey: null };
}

/**
 * A secret given through the API, for a scheme: as it is for `v1` (whsec_ or raw base64), the stored
 * form and public key for `v1a` (a whsk_ key whose public half is its seed's). 422 for a mismatch.
 */
export async function importSigningKey(scheme: SigningScheme, given: string): Promise<{ secret: string; publicKey: string | null }> {
  if (scheme === "v1") {
    if (!isValidSecret(given)) throw ApiError.unprocessable("signing_scheme v1 takes a whsec_ secret or the base64 of 24 to 64 bytes (a whsk_ key is for v1a)", "secret");
    return { secret: given, publicKey: null };
  }
  const key = await normaliseSigningKey(given);
  if (!key) throw ApiError.unprocessable("signing_scheme v1a takes a whsk_ ed25519 key: base64 of the 32-byte seed and its 32-byte public key", "secret");
  return key;
}

/** What the API shows of a secret: the secret itself for v1, only the public key for v1a. */
function shown(secret: string | undefined): { secret: string | null; publicKey: string | null } {
  if (secret === undefined) return { secret: null, publicKey: null };
  return schemeOfSecret(secret) === "v1a" ? { secret: null, publicKey: publicKeyOf(secret) } : { secret, publicKey: null };
}

function answer(scheme: SigningScheme, current: string, previous: string | undefined | null, expiresAt: string | null): HookSecrets {
  const now = shown(current);
  const before = shown(previous ?? undefined);
  return {
    signing_scheme: scheme,
    secret: now.secret,
    previous_secret: before.secret,
    public_key: now.publicKey,
    previous_public_key: before.publicKey,
    previous_secret_expires_at: previous === undefined || previous === null ? null : expiresAt,
  };
}

/**
 * The hook's signing secrets as GET /v1/hooks/{id}/secret answers them: the current one, and the
 * previous one while its grace period lasts, by the same rule that decides what deliveries are
 * signed with (signingSecrets).
 */
export async function readHookSecret(actor: Omit<SecretActor, "keyId">, hookId: string): Promise<HookSecrets> {
  const hook = await findHook(actor.db, actor.accountId, hookId);
  if (!hook) throw ApiError.notFound("hook");
  const [secret, previous] = await signingSecrets(hook, actor.config);
  return answer(hook.signingScheme, secret!, previous, hook.previousSecretExpiresAt);
}

/**
 * A new signing secret (for a `v1a` hook a new key pair: its public key is answered), answered here
 * and by GET /v1/hooks/{id}/secret. The secret it
 * replaces is kept sealed until the grace period ends; meanwhile every delivery carries a signature
 * of each, so receivers can switch secrets without losing a delivery. The hook's state is left as is:
 * the endpoint has not changed, and both signatures keep it verifiable.
 */
export async function rotateHookSecret(actor: SecretActor, hookId: string, graceSeconds: number): Promise<HookSecrets> {
  const hook = await findHook(actor.db, actor.accountId, hookId);
  if (!hook) throw ApiError.notFound("hook");
  const box = await secretBoxFor(actor.config);
  const { secret, publicKey } = await newSigningKey(hook.signingScheme);
  const now = nowIso();
  const expiresAt = graceSeconds > 0 ? new Date(Date.parse(now) + graceSeconds * 1000).toISOString() : null;
  // The secret it replaces moves to the previous-secret column: sealed again for that column.
  const replacedSecret = expiresAt ? await box.open(hook.secretSealed, SealedIn.hookSecret(hook.id)) : null;
  const replaced = await replaceHookSecret(actor.db, actor.accountId, hookId, hook.secretSealed, {
    secretSealed: await box.seal(secret, SealedIn.hookSecret(hook.id)),
    previousSecretSealed: replacedSecret === null ? null : await box.seal(replacedSecret, SealedIn.hookPreviousSecret(hook.id)),
    previousSecretExpiresAt: expiresAt,
    publicKey,
    updatedBy: actor.keyId,
    updatedByUserId: actor.actingUserId ?? null,
    updatedAt: now,
  });
  if (!replaced) throw ApiError.conflict("the secret changed while rotating it; retry");
  return answer(hook.signingScheme, secret, replacedSecret, expiresAt);
}
