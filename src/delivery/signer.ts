import { bytesToBase64, utf8 } from "../crypto/encoding";
import { secretKeyBytes } from "../domain/hook-secret";

// Standard Webhooks signing: HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}" keyed by
// the base64-decoded part of the `whsec_` secret; the header holds space-separated `v1,<base64>`.

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
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), utf8(`${msgId}.${timestamp}.${body}`));
  return `v1,${bytesToBase64(new Uint8Array(mac))}`;
}

/** The `webhook-signature` header value: one signature per secret (two during a rotation's grace). */
export async function signatureHeader(secrets: readonly string[], msgId: string, timestamp: number, body: string): Promise<string> {
  const sigs = await Promise.all(secrets.map((s) => signOne(s, msgId, timestamp, body)));
  return sigs.join(" ");
}
