// Signing secrets of hooks. `v1` (HMAC-SHA256): a Standard Webhooks secret, `whsec_` + base64 of the
// key, or the base64 of a key alone (a secret imported from elsewhere keeps its form); 24 to 64 bytes
// either way. `v1a` (ed25519): a `whsk_` key (src/crypto/ed25519.ts).

export const SECRET_PREFIX = "whsec_";
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;

export type SigningScheme = "v1" | "v1a";

/** An HMAC secret: `whsec_` + base64, or base64 alone, of 24 to 64 bytes. */
export function isValidSecret(secret: string): boolean {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 === 1) return false;
  try {
    const n = atob(b64).length;
    return n >= MIN_SECRET_BYTES && n <= MAX_SECRET_BYTES;
  } catch {
    return false;
  }
}

/** The scheme a stored secret signs with: a `whsk_` key signs `v1a`, anything else `v1`. */
export function schemeOfSecret(secret: string): SigningScheme {
  return secret.startsWith("whsk_") ? "v1a" : "v1";
}

/** A new secret: `whsec_` + base64 of 24 random bytes, as the design specifies. */
export function generateSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return SECRET_PREFIX + btoa(s);
}

/** The HMAC key bytes of a secret (the base64-decoded part after the prefix, if any). */
export function secretKeyBytes(secret: string): Uint8Array {
  const s = atob(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
