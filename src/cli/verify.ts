import { timingSafeEqual } from "node:crypto";
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

export async function verifySignature(opts: {
  secrets: readonly string[];
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
  const offered = signature!
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => Buffer.from(s));
  if (offered.length === 0) return { status: "invalid", reason: "no v1 signature in webhook-signature" };

  let matched = false;
  for (const secret of opts.secrets) {
    const expected = Buffer.from(await signOne(secret, id!, ts, opts.body));
    if (offered.some((o) => o.length === expected.length && timingSafeEqual(o, expected))) matched = true;
  }
  if (!matched) {
    const which = opts.secrets.length === 1 ? "the secret" : `any of ${opts.secrets.length} secrets`;
    return { status: "invalid", reason: `no signature matches ${which}` };
  }
  const ageSeconds = Math.floor(opts.nowSeconds ?? Date.now() / 1000) - ts;
  if (Math.abs(ageSeconds) > TIMESTAMP_TOLERANCE_SECONDS) return { status: "stale", ageSeconds };
  return { status: "valid" };
}
