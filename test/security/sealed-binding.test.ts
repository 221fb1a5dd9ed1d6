import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SealedIn, SecretBox } from "../../src/crypto/secret-box";
import { call, newAccount } from "../helpers/api";
import { Receiver } from "../helpers/receiver";
import { freshKey, reencryptAll, sealedColumns, sealUnbound } from "../helpers/sealed";

// A sealed value is bound to the row and column it was sealed for (src/crypto/secret-box.ts): whoever
// can write D1 but lacks the key cannot move one hook's secret into another hook, or into another
// column, and have it used there. Values sealed before the binding still open until re-encrypted.

const bindings = env as unknown as { DB: D1Database; ENCRYPTION_KEY: string };
const db = bindings.DB;
const box = await SecretBox.create(bindings.ENCRYPTION_KEY);

/** A hook on a receiver of its own, once its creation's automatic test has reached the receiver. */
async function settledHook(key: string, name: string): Promise<{ id: string; secret: string; rx: Receiver }> {
  const rx = new Receiver();
  const created = await call("POST", "/v1/hooks", { token: key, body: { name, url: rx.url() } });
  expect(created.status).toBe(201);
  expect(await rx.waitFor(1)).toHaveLength(1);
  return { id: created.body.id, secret: created.body.secret, rx };
}

describe("sealed values bound to their row and column", () => {
  it("a hook's sealed secret copied into another hook's secret or previous-secret column does not open there: nothing is sent", async () => {
    const { accountId } = await newAccount("swapped");
    const key = await freshKey(accountId);
    const source = await settledHook(key, "source");
    const target = await settledHook(key, "target");
    const copied = (await sealedColumns(source.id))!.secret_sealed;
    const later = new Date(Date.now() + 3_600_000).toISOString();

    for (const [column, expiry] of [["secret_sealed", null], ["previous_secret_sealed", later]] as const) {
      const original = (await sealedColumns(target.id))!;
      const set = column === "secret_sealed" ? "secret_sealed = ?" : "previous_secret_sealed = ?, previous_secret_expires_at = ?";
      await db.prepare(`update hooks set ${set} where id = ?`).bind(...(expiry ? [copied, expiry] : [copied]), target.id).run();
      const test = await call("POST", `/v1/hooks/${target.id}/test`, { token: await freshKey(accountId) });
      expect(test.status).toBe(200);
      expect(test.body, column).toMatchObject({ success: false, response_status: null });
      expect(test.body.error_message).toMatch(/^not sent: a secret this hook needs cannot be decrypted \(.*sealed for another row or column/);
      await db.prepare("update hooks set secret_sealed = ?, previous_secret_sealed = null, previous_secret_expires_at = null where id = ?").bind(original.secret_sealed, target.id).run();
    }
    expect(await target.rx.requests()).toHaveLength(1); // the automatic test only
    // The same value still opens where it belongs.
    expect(await box.open(copied, SealedIn.hookSecret(source.id))).toBe(source.secret);
  });

  it("values sealed before the binding still open, and re-encryption re-seals them bound and counts them", async () => {
    const { accountId } = await newAccount("unbound");
    const hook = await settledHook(await freshKey(accountId), "unbound");
    const previous = "whsec_" + btoa("previous-secret-sealed-unbound-x");
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    await db
      .prepare("update hooks set secret_sealed = ?, previous_secret_sealed = ?, previous_secret_expires_at = ? where id = ?")
      .bind(await sealUnbound(bindings.ENCRYPTION_KEY, hook.secret), await sealUnbound(bindings.ENCRYPTION_KEY, previous), expiresAt, hook.id)
      .run();

    const expected = { signing_scheme: "v1", secret: hook.secret, previous_secret: previous, public_key: null, previous_public_key: null, previous_secret_expires_at: expiresAt };
    expect((await call("GET", `/v1/hooks/${hook.id}/secret`, { token: await freshKey(accountId) })).body).toEqual(expected);

    const run = await reencryptAll(50, box.currentKeyId);
    expect(run.unbound_found).toBeGreaterThanOrEqual(2);
    const row = (await sealedColumns(hook.id))!;
    expect(box.isCurrent(row.secret_sealed) && box.isCurrent(row.previous_secret_sealed!)).toBe(true);
    expect(SecretBox.isUnbound(row.secret_sealed) || SecretBox.isUnbound(row.previous_secret_sealed!)).toBe(false);
    expect(await box.open(row.secret_sealed, SealedIn.hookSecret(hook.id))).toBe(hook.secret);
    expect(await box.open(row.previous_secret_sealed!, SealedIn.hookPreviousSecret(hook.id))).toBe(previous);
    await expect(box.open(row.previous_secret_sealed!, SealedIn.hookSecret(hook.id))).rejects.toThrow(/sealed for another row or column/);
    expect((await call("GET", `/v1/hooks/${hook.id}/secret`, { token: await freshKey(accountId) })).body).toEqual(expected);
    expect((await reencryptAll(50, box.currentKeyId)).unbound_found).toBe(0);
  });
});
