import { signEd25519, SIGNING_KEY_PREFIX } from "../crypto/ed25519";
import { bytesToBase64, utf8 } from "../crypto/encoding";
import { secretKeyBytes } from "../domain/hook-secret";

// Standard Webhooks signing over "{webhook-id}.{webhook-timestamp}.{body}", the header holding
// space-separated signatures:
// - `v1,<base64>`: HMAC-SHA256 keyed by the secret's bytes (the base64-decoded part of `whsec_…`, or
//   of a raw base64 secret);
// - `v1a,<base64>`: ed25519 with a `whsk_` key (the asymmetric profile; receivers verify with the
//   `whpk_` public key).

const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", secretKeyBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    if (keyCache.size > 5000) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}

export async function signOne(secret: string, msgId: string, timestamp: number, body: string): Promise<string> {
  const message = utf8(`${msgId}.${timestamp}.${body}`);
  if (secret.startsWith(SIGNING_KEY_PREFIX)) return `v1a,${bytesToBase64(await signEd25519(secret, message))}`;
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), message);
  return `v1,${bytesToBase64(new Uint8Array(mac))}`;
}

/** The `webhook-signature` header value: one signature per secret (two during a rotation's grace). */
export async function signatureHeader(secrets: readonly string[], msgId: string, timestamp: number, body: string): Promise<string> {
  const sigs = await Promise.all(secrets.map((s) => signOne(s, msgId, timestamp, body)));
  return sigs.join(" ");
}
