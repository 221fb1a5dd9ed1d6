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
