import { timingSafeEqual } from "node:crypto";
import { PUBLIC_KEY_PREFIX, verifyEd25519 } from "../crypto/ed25519";
import { base64ToBytes, utf8 } from "../crypto/encoding";
import { signOne } from "../delivery/signer";

// Standard Webhooks verification for `hookrouter listen`, built on the router's own signer so the
// listener checks exactly what the router signs. Unlike a verifier library it reports *why* a
// request fails (no headers, wrong signature, stale timestamp), which is what a developer needs.

/** Standard Webhooks' tolerance: a timestamp further than this from now is refused (replay guard). */
const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export type SignatureCheck =
  | { status: "valid" }
  | { status: "invalid"; reason: string }
  | { status: "stale"; ageSeconds: number }
  | { status: "unsigned"; missing: string[] };

/**
 * `keys`: `whsec_` (or raw) secrets checked against the `v1` signatures, and `whpk_` public keys
 * checked against the `v1a` (ed25519) ones; any match is valid.
 */
export async function verifySignature(opts: {
  keys: readonly string[];
  headers: { id?: string; timestamp?: string; signature?: string };
  body: string;
  nowSeconds?: number;
}): Promise<SignatureCheck> {
  const { id, timestamp, signature } = opts.headers;
  const missing = [
    ["webhook-id", id],
    ["webhook-timestamp", timestamp],
    ["webhook-signature", signature],
  ]
    .filter(([, v]) => !v)
    .map(([name]) => name!);
  if (missing.length) return { status: "unsigned", missing };
  if (!/^\d{1,12}$/.test(timestamp!)) return { status: "invalid", reason: `webhook-timestamp is not unix seconds: ${timestamp}` };
  const ts = Number(timestamp);
  const offered = signature!.split(" ");
  const publicKeys = opts.keys.filter((k) => k.startsWith(PUBLIC_KEY_PREFIX));
  const secrets = opts.keys.filter((k) => !k.startsWith(PUBLIC_KEY_PREFIX));
  const v1 = secrets.length ? offered.filter((s) => s.startsWith("v1,")).map((s) => Buffer.from(s)) : [];
  const v1a = publicKeys.length ? offered.filter((s) => s.startsWith("v1a,")).map((s) => s.slice(4)) : [];
  if (v1.length + v1a.length === 0) {
    const wanted = [secrets.length ? "v1" : null, publicKeys.length ? "v1a" : null].filter(Boolean).join(" or ");
    return { status: "invalid", reason: `no ${wanted} signature in webhook-signature` };
  }

  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(await signOne(secret, id!, ts, opts.body));
    if (v1.some((o) => o.length === expected.length && timingSafeEqual(o, expected))) matched = true;
  }
  const message = utf8(`${id}.${ts}.${opts.body}`);
  for (const key of publicKeys) {
    for (const sig of v1a) if (await verifyEd25519(key, decoded(sig), message)) matched = true;
  }
  if (!matched) {
    const kind = secrets.length === 0 ? "public key" : publicKeys.length === 0 ? "secret" : "key";
    const which = opts.keys.length === 1 ? `the ${kind}` : `any of ${opts.keys.length} ${kind}s`;
    return { status: "invalid", reason: `no signature matches ${which}` };
  }
  const ageSeconds = Math.floor(opts.nowSeconds ?? Date.now() / 1000) - ts;
  if (Math.abs(ageSeconds) > TIMESTAMP_TOLERANCE_SECONDS) return { status: "stale", ageSeconds };
  return { status: "valid" };
}

function decoded(b64: string): Uint8Array {
  try {
    return base64ToBytes(b64);
  } catch {
    return new Uint8Array(0);
  }
}
