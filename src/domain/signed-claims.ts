// Short-lived tokens that hookrouter signs for itself (the Slack OAuth `state`, portal sessions):
// `<base64url JSON claims>.<base64url HMAC-SHA256>`. The MAC key is derived with HKDF from
// ENCRYPTION_KEY with a label per use, so there is one secret to configure, the AES key that seals
// secrets is never also a MAC key, and a token made for one use never verifies for another.
// Pure: Web Crypto only, no I/O.

import { base64url } from "./ids";

export type ClaimsVerdict = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: "malformed" | "bad_signature" };

const encoder = new TextEncoder();

function fromBase64Url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The HMAC key for one use (`label`), derived from the base64 encryption key. */
export async function deriveMacKey(encryptionKeyB64: string, label: string): Promise<CryptoKey> {
  const raw = Uint8Array.from(atob(encryptionKeyB64), (c) => c.charCodeAt(0));
  const ikm = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(label) },
    ikm,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

export async function signClaims(key: CryptoKey, claims: Record<string, unknown>): Promise<string> {
  const body = base64url(encoder.encode(JSON.stringify(claims)));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return `${body}.${base64url(mac)}`;
}

/**
 * Checks the signature (in constant time, through `verify`) before reading anything else; answers
 * the claims object, whose fields the caller still has to check (this knows nothing of expiry).
 */
export async function verifyClaims(key: CryptoKey, token: string): Promise<ClaimsVerdict> {
  const parts = token.split(".");
  if (parts.length !== 2) return { ok: false, reason: "malformed" };
  const [body, sig] = parts as [string, string];
  const mac = fromBase64Url(sig);
  if (!mac || mac.length !== 32 || body.length === 0) return { ok: false, reason: "malformed" };
  if (!(await crypto.subtle.verify("HMAC", key, mac, encoder.encode(body)))) return { ok: false, reason: "bad_signature" };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(fromBase64Url(body) ?? new Uint8Array()));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, reason: "malformed" };
  return { ok: true, claims: raw as Record<string, unknown> };
}
