// Standard Webhooks secrets: `whsec_` + base64 of the HMAC key.

export const SECRET_PREFIX = "whsec_";

export function isValidSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const b64 = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  try {
    const n = atob(b64).length;
    return n >= 24 && n <= 64;
  } catch {
    return false;
  }
}

/** A new secret: `whsec_` + base64 of 24 random bytes, as the design specifies. */
export function generateSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return SECRET_PREFIX + btoa(s);
}

/** The HMAC key bytes of a secret (the base64-decoded part after the prefix). */
export function secretKeyBytes(secret: string): Uint8Array {
  const s = atob(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
