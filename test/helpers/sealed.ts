import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { bytesToBase64, utf8 } from "../../src/crypto/encoding";
import { SecretBox } from "../../src/crypto/secret-box";
import { ADMIN_TOKEN, call } from "./api";

// Sealed values as they sit in D1, and the admin re-encryption run to its end (the security project).

const db = (env as unknown as { DB: D1Database }).DB;

/** The rate limit of the security project is small and per key: each step of a test uses a key of its own. */
export async function freshKey(accountId: string): Promise<string> {
  const k = await call("POST", `/v1/accounts/${accountId}/keys`, { token: ADMIN_TOKEN, body: { name: "step" } });
  expect(k.status).toBe(201);
  return k.body.key;
}

export async function sealedColumns(id: string) {
  return db.prepare("select secret_sealed, previous_secret_sealed from hooks where id = ?").bind(id).first<{ secret_sealed: string; previous_secret_sealed: string | null }>();
}

export interface ReencryptTotals {
  calls: number;
  resealed: number;
  unbound_found: number;
  unreadable: Array<{ table: string; id: string }>;
}

/** POST /v1/admin/reencrypt batch by batch to the end, each answer made under `currentKeyId`. */
export async function reencryptAll(limit: number, currentKeyId: string): Promise<ReencryptTotals> {
  let cursor: string | undefined;
  const totals: ReencryptTotals = { calls: 0, resealed: 0, unbound_found: 0, unreadable: [] };
  do {
    const r = await call("POST", "/v1/admin/reencrypt", { token: ADMIN_TOKEN, body: cursor ? { limit, cursor } : { limit } });
    expect(r.status).toBe(200);
    expect(r.body.scanned).toBeLessThanOrEqual(limit);
    expect(r.body.current_key_id).toBe(currentKeyId);
    totals.resealed += r.body.resealed;
    totals.unbound_found += r.body.unbound_found;
    totals.unreadable.push(...r.body.unreadable);
    cursor = r.body.next_cursor ?? undefined;
    totals.calls++;
    expect(totals.calls).toBeLessThan(1000);
  } while (cursor);
  return totals;
}

/**
 * A value sealed the way hookrouter sealed before values were bound to their row and column:
 * `v1.<key id>.<iv>.<ciphertext>`, the key id alone as additional data.
 */
export async function sealUnbound(keyB64: string, plain: string): Promise<string> {
  const raw = Uint8Array.from(atob(keyB64), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt"]);
  const keyId = (await SecretBox.create(keyB64)).currentKeyId;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8(keyId) }, key, utf8(plain));
  return `v1.${keyId}.${bytesToBase64(iv)}.${bytesToBase64(new Uint8Array(ct))}`;
}
