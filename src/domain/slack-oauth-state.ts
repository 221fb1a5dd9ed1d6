// The OAuth `state` of a Slack connection: `<base64url claims>.<base64url HMAC-SHA256>`.
// The callback carries no API key, so the state is what authenticates it: the signature proves
// hookrouter issued it, the claims bind it to one account and an expiry, and the nonce (stored in
// slack_oauth_states) makes it single-use. Pure: Web Crypto only, no I/O.

export interface OAuthStateClaims {
  nonce: string;
  accountId: string;
  /** Unix seconds after which the state is refused. */
  expiresAt: number;
}

export type StateVerdict = { ok: true; claims: OAuthStateClaims } | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

export const STATE_TTL_SECONDS = 600;

const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * The HMAC key, derived with HKDF from the encryption key rather than reusing it: one secret to
 * configure, but the AES key that seals tokens is never also used as a MAC key.
 */
export async function oauthStateKey(encryptionKeyB64: string): Promise<CryptoKey> {
  const raw = Uint8Array.from(atob(encryptionKeyB64), (c) => c.charCodeAt(0));
  const ikm = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode("hookrouter slack oauth state v1") },
    ikm,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

export async function signOAuthState(key: CryptoKey, claims: OAuthStateClaims): Promise<string> {
  const body = toBase64Url(encoder.encode(JSON.stringify({ n: claims.nonce, a: claims.accountId, e: claims.expiresAt })));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return `${body}.${toBase64Url(mac)}`;
}

/** Checks the signature (in constant time, through `verify`) before reading anything else. */
export async function verifyOAuthState(key: CryptoKey, state: string, nowMs: number): Promise<StateVerdict> {
  const parts = state.split(".");
  if (parts.length !== 2) return { ok: false, reason: "malformed" };
  const [body, sig] = parts as [string, string];
  const mac = fromBase64Url(sig);
  if (!mac || mac.length !== 32 || body.length === 0) return { ok: false, reason: "malformed" };
  if (!(await crypto.subtle.verify("HMAC", key, mac, encoder.encode(body)))) return { ok: false, reason: "bad_signature" };
  const json = fromBase64Url(body);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(json ?? new Uint8Array()));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const c = raw as { n?: unknown; a?: unknown; e?: unknown };
  if (typeof c.n !== "string" || typeof c.a !== "string" || typeof c.e !== "number") return { ok: false, reason: "malformed" };
  if (nowMs / 1000 > c.e) return { ok: false, reason: "expired" };
  return { ok: true, claims: { nonce: c.n, accountId: c.a, expiresAt: c.e } };
}
