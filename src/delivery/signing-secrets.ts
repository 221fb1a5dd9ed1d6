import { SealedIn, secretBoxFor } from "../crypto/secret-box";
import type { HookRow } from "../db/schema";
import type { Config } from "../env";

type SealedSecrets = Pick<HookRow, "id" | "secretSealed" | "previousSecretSealed" | "previousSecretExpiresAt">;

/**
 * The secrets a hook's requests are signed with: its current secret, and during a rotation's grace
 * period the previous one too (receivers that still hold the old secret keep verifying).
 */
export async function signingSecrets(hook: SealedSecrets, config: Config, now: Date = new Date()): Promise<string[]> {
  const box = await secretBoxFor(config);
  const secrets = [await box.open(hook.secretSealed, SealedIn.hookSecret(hook.id))];
  if (hook.previousSecretSealed && hook.previousSecretExpiresAt && hook.previousSecretExpiresAt > now.toISOString()) {
    secrets.push(await box.open(hook.previousSecretSealed, SealedIn.hookPreviousSecret(hook.id)));
  }
  return secrets;
}

/**
 * What a delivery, test or gate call of this hook is signed with: its signing secrets, or none for a
 * hook that delivers unsigned (`signed: false`, which only an account allowing it can have).
 */
export async function deliverySecrets(hook: SealedSecrets & Pick<HookRow, "signed">, config: Config, now: Date = new Date()): Promise<string[]> {
  return hook.signed ? signingSecrets(hook, config, now) : [];
}
