// A portal session token: `hrp_<claims>.<mac>` (src/domain/signed-claims.ts), minted with an API key
// by POST /v1/portal-sessions and handed to a person's browser instead of the key. It is stateless
// (nothing stored): the signature proves hookrouter issued it, the claims say for which account,
// through which API key (a revoked key ends its sessions too), for which applications, until when.

import { deriveMacKey, signClaims, verifyClaims } from "./signed-claims";

export const PORTAL_TOKEN_PREFIX = "hrp_";

export interface PortalClaims {
  accountId: string;
  /** The API key that minted the session: it must still be live for the session to work. */
  keyId: string;
  /** null: every hook of the account; otherwise only hooks scoped to some of these applications. */
  applications: string[] | null;
  /** Unix seconds after which the token is refused. */
  expiresAt: number;
}

export type PortalTokenVerdict = { ok: true; claims: PortalClaims } | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

/** The MAC key of portal tokens: its own label, so no other signed token of hookrouter verifies as one. */
export function portalTokenKey(encryptionKeyB64: string): Promise<CryptoKey> {
  return deriveMacKey(encryptionKeyB64, "hookrouter portal session v1");
}

export async function signPortalToken(key: CryptoKey, c: PortalClaims): Promise<string> {
  return PORTAL_TOKEN_PREFIX + (await signClaims(key, { a: c.accountId, k: c.keyId, p: c.applications, e: c.expiresAt }));
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

export async function verifyPortalToken(key: CryptoKey, token: string, nowMs: number): Promise<PortalTokenVerdict> {
  if (!token.startsWith(PORTAL_TOKEN_PREFIX)) return { ok: false, reason: "malformed" };
  const verdict = await verifyClaims(key, token.slice(PORTAL_TOKEN_PREFIX.length));
  if (!verdict.ok) return verdict;
  const c = verdict.claims as { a?: unknown; k?: unknown; p?: unknown; e?: unknown };
  if (typeof c.a !== "string" || typeof c.k !== "string" || typeof c.e !== "number" || !(c.p === null || (isStringArray(c.p) && c.p.length > 0))) {
    return { ok: false, reason: "malformed" };
  }
  if (nowMs / 1000 >= c.e) return { ok: false, reason: "expired" };
  return { ok: true, claims: { accountId: c.a, keyId: c.k, applications: c.p, expiresAt: c.e } };
}
