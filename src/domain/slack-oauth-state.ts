// The OAuth `state` of a Slack connection: `<base64url claims>.<base64url HMAC-SHA256>`.
// The callback carries no API key, so the state is what authenticates it: the signature proves
// hookrouter issued it, the claims bind it to one account and an expiry, the nonce (stored in
// slack_oauth_states) makes it single-use, and the hash of a browser secret binds it to the browser
// that asked for it (the secret is in a cookie only that browser has): a connect link sent to
// someone else, or leaked, completes nowhere else. Pure: Web Crypto only, no I/O.

import { deriveMacKey, signClaims, verifyClaims } from "./signed-claims";

export interface OAuthStateClaims {
  nonce: string;
  accountId: string;
  /** Unix seconds after which the state is refused. */
  expiresAt: number;
  /** SHA-256 (hex) of the browser secret set as a cookie by the connect step. */
  browserHash: string;
  /** Whether this flow may replace the account's existing connection (asked for explicitly). */
  replace: boolean;
}

export type StateVerdict = { ok: true; claims: OAuthStateClaims } | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

export const STATE_TTL_SECONDS = 600;

/**
 * The cookie that carries the browser secret: HttpOnly (no script reads it), Secure, SameSite=Lax
 * (sent on Slack's top-level redirect back, never on a cross-site subrequest) and scoped to the
 * callback's path, so no other route ever receives it.
 */
export const BROWSER_COOKIE = "hookrouter_slack_oauth";
export const CALLBACK_PATH = "/v1/slack/oauth/callback";

/**
 * The HMAC key, derived with HKDF from the encryption key rather than reusing it: one secret to
 * configure, but the AES key that seals tokens is never also used as a MAC key.
 */
export async function oauthStateKey(encryptionKeyB64: string): Promise<CryptoKey> {
  return deriveMacKey(encryptionKeyB64, "hookrouter slack oauth state v1");
}

export async function signOAuthState(key: CryptoKey, claims: OAuthStateClaims): Promise<string> {
  return signClaims(key, { n: claims.nonce, a: claims.accountId, e: claims.expiresAt, b: claims.browserHash, r: claims.replace });
}

/** Checks the signature (in constant time, through `verify`) before reading anything else. */
export async function verifyOAuthState(key: CryptoKey, state: string, nowMs: number): Promise<StateVerdict> {
  const verdict = await verifyClaims(key, state);
  if (!verdict.ok) return verdict;
  const c = verdict.claims as { n?: unknown; a?: unknown; e?: unknown; b?: unknown; r?: unknown };
  if (typeof c.n !== "string" || typeof c.a !== "string" || typeof c.e !== "number" || typeof c.b !== "string" || typeof c.r !== "boolean") {
    return { ok: false, reason: "malformed" };
  }
  if (nowMs / 1000 > c.e) return { ok: false, reason: "expired" };
  return { ok: true, claims: { nonce: c.n, accountId: c.a, expiresAt: c.e, browserHash: c.b, replace: c.r } };
}
