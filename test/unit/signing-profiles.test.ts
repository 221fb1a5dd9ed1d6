import { createPublicKey, verify } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { generateSigningKey, normaliseSigningKey, publicKeyOf } from "../../src/crypto/ed25519";
import { buildSignedRequest } from "../../src/delivery/request";
import { signOne } from "../../src/delivery/signer";
import { isValidSecret } from "../../src/domain/hook-secret";

// The asymmetric profile (Standard Webhooks `v1a`, ed25519 through Web Crypto) and imported secrets.
// The `standardwebhooks` npm library (1.1.1, its latest) verifies `v1` only: it skips any other
// version in the header. So `v1a` is verified here independently, with node:crypto's Ed25519, against
// the `whpk_` public key alone.

/** Svix's documented example key pair (seed ‖ public key, and the public key). */
const SVIX_SECRET = "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";
const SVIX_PUBLIC = "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=";

/** Verifies every `v1a` signature of a header with a `whpk_` key, as a receiver would (node:crypto). */
function verifyV1a(publicKey: string, headers: Record<string, string>, body: string): boolean {
  const raw = Buffer.from(publicKey.slice("whpk_".length), "base64");
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
  const signed = Buffer.from(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`);
  return headers["webhook-signature"]!
    .split(" ")
    .filter((s) => s.startsWith("v1a,"))
    .some((s) => verify(null, signed, key, Buffer.from(s.slice(4), "base64")));
}

describe("ed25519 keys (v1a)", () => {
  it("reads Svix's documented key pair: the public key is the seed's", async () => {
    expect(await normaliseSigningKey(SVIX_SECRET)).toEqual({ secret: SVIX_SECRET, publicKey: SVIX_PUBLIC });
    expect(publicKeyOf(SVIX_SECRET)).toBe(SVIX_PUBLIC);
    // The seed alone is completed with its public key.
    const seedOnly = "whsk_" + Buffer.from(SVIX_SECRET.slice(5), "base64").subarray(0, 32).toString("base64");
    expect(await normaliseSigningKey(seedOnly)).toEqual({ secret: SVIX_SECRET, publicKey: SVIX_PUBLIC });
  });

  it("refuses a key whose public half is not its seed's, and anything that is not a whsk_ key", async () => {
    const bytes = Buffer.from(SVIX_SECRET.slice(5), "base64");
    bytes[40] = bytes[40]! ^ 1;
    expect(await normaliseSigningKey("whsk_" + bytes.toString("base64"))).toBeNull();
    for (const bad of ["whsec_" + btoa("x".repeat(32)), "whsk_short", "whsk_" + btoa("x".repeat(48)), "whsk_!!!!"]) expect(await normaliseSigningKey(bad)).toBeNull();
  });

  it("signs v1a over id.timestamp.body, verifiable with the public key alone (node:crypto)", async () => {
    const { secret, publicKey } = await generateSigningKey();
    expect(secret).toMatch(/^whsk_[A-Za-z0-9+/]{86}==$/);
    expect(publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    const req = await buildSignedRequest({ url: "https://example.com", webhookId: "dlv_1", body: '{"a":1}', secrets: [secret] });
    expect(req.headers["webhook-signature"]).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(verifyV1a(publicKey, req.headers, req.body)).toBe(true);
    expect(verifyV1a(publicKey, req.headers, '{"a":2}')).toBe(false);
    expect(verifyV1a((await generateSigningKey()).publicKey, req.headers, req.body)).toBe(false);
    // Ed25519 is deterministic: the same message, the same signature.
    expect(await signOne(SVIX_SECRET, "msg_1", 1700000000, "{}")).toBe(await signOne(SVIX_SECRET, "msg_1", 1700000000, "{}"));
  });

  it("signs with both keys during a rotation, and with both schemes while moving from v1 to v1a", async () => {
    const [next, previous] = await Promise.all([generateSigningKey(), generateSigningKey()]);
    const rotated = await buildSignedRequest({ url: "https://example.com", webhookId: "dlv_2", body: "{}", secrets: [next.secret, previous.secret] });
    expect(rotated.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(verifyV1a(next.publicKey, rotated.headers, rotated.body)).toBe(true);
    expect(verifyV1a(previous.publicKey, rotated.headers, rotated.body)).toBe(true);

    const hmac = "whsec_" + btoa("0123456789abcdef01234567");
    const moving = await buildSignedRequest({ url: "https://example.com", webhookId: "dlv_3", body: '{"b":1}', secrets: [next.secret, hmac] });
    expect(verifyV1a(next.publicKey, moving.headers, moving.body)).toBe(true);
    // standardwebhooks verifies the v1 signature and skips the v1a one it does not know...
    expect(new Webhook(hmac).verify(moving.body, moving.headers)).toEqual({ b: 1 });
    // ...and, given a v1a signature alone, cannot verify anything: it is no v1a verifier.
    expect(() => new Webhook(hmac).verify(rotated.body, rotated.headers)).toThrow();
  });
});

describe("imported HMAC secrets (v1)", () => {
  it("takes whsec_ or raw base64 secrets of 24 to 64 bytes", () => {
    const b64 = (n: number) => Buffer.alloc(n, 7).toString("base64");
    for (const n of [24, 32, 64]) {
      expect(isValidSecret(b64(n))).toBe(true);
      expect(isValidSecret("whsec_" + b64(n))).toBe(true);
    }
    for (const bad of [b64(23), b64(65), "whsec_" + b64(16), "not base64!", "", "whsec_"]) expect(isValidSecret(bad)).toBe(false);
  });

  it("signs with a raw base64 secret exactly as with its whsec_ form, verifiable by standardwebhooks either way", async () => {
    const raw = Buffer.from("an existing receiver's 32-byte key").toString("base64");
    const a = await signOne(raw, "msg_1", 1700000000, "{}");
    expect(a).toBe(await signOne("whsec_" + raw, "msg_1", 1700000000, "{}"));
    const req = await buildSignedRequest({ url: "https://example.com", webhookId: "dlv_4", body: '{"c":1}', secrets: [raw] });
    expect(new Webhook(raw).verify(req.body, req.headers)).toEqual({ c: 1 });
    expect(new Webhook("whsec_" + raw).verify(req.body, req.headers)).toEqual({ c: 1 });
  });
});
