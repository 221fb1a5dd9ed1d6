import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { signatureHeader } from "../../src/delivery/signer";
import { generateSigningKey } from "../../src/crypto/ed25519";
import { generateSecret } from "../../src/domain/hook-secret";
import { verifySignature } from "../../src/cli/verify";

// The listener's verifier: the published Standard Webhooks vector, each way a request can fail,
// and agreement with the reference library on what it accepts.

const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: "1614265330",
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const NOW = Number(VECTOR.timestamp);

const check = (over: { secrets?: string[]; signature?: string; timestamp?: string; body?: string; id?: string; now?: number }) =>
  verifySignature({
    keys: over.secrets ?? [VECTOR.secret],
    headers: { id: over.id ?? VECTOR.id, timestamp: over.timestamp ?? VECTOR.timestamp, signature: over.signature ?? VECTOR.signature },
    body: over.body ?? VECTOR.body,
    nowSeconds: over.now ?? NOW,
  });

describe("verifySignature", () => {
  it("accepts the published test vector", async () => {
    expect(await check({})).toEqual({ status: "valid" });
  });

  it("reports a different secret, body or webhook-id as invalid", async () => {
    const reason = { status: "invalid", reason: "no signature matches the secret" };
    expect(await check({ secrets: [generateSecret()] })).toEqual(reason);
    expect(await check({ body: '{"test": 2432232315}' })).toEqual(reason);
    expect(await check({ id: "msg_other" })).toEqual(reason);
  });

  it("reports a matching signature outside the 5-minute tolerance as stale, either way", async () => {
    expect(await check({ now: NOW + 300 })).toEqual({ status: "valid" });
    expect(await check({ now: NOW + 301 })).toEqual({ status: "stale", ageSeconds: 301 });
    expect(await check({ now: NOW - 301 })).toEqual({ status: "stale", ageSeconds: -301 });
  });

  it("prefers invalid over stale: an old request with a wrong signature is invalid", async () => {
    expect((await check({ secrets: [generateSecret()], now: NOW + 3600 })).status).toBe("invalid");
  });

  it("accepts any of several signatures and secrets (a rotation's grace period)", async () => {
    const other = generateSecret();
    expect(await check({ signature: `v1,AAAA ${VECTOR.signature}` })).toEqual({ status: "valid" });
    expect(await check({ secrets: [other, VECTOR.secret] })).toEqual({ status: "valid" });
    expect(await check({ secrets: [other, generateSecret()] })).toMatchObject({ status: "invalid", reason: "no signature matches any of 2 secrets" });
  });

  it("names missing headers and malformed values", async () => {
    expect(await verifySignature({ keys: [VECTOR.secret], headers: { id: VECTOR.id }, body: "" })).toEqual({
      status: "unsigned",
      missing: ["webhook-timestamp", "webhook-signature"],
    });
    expect(await check({ timestamp: "yesterday" })).toMatchObject({ status: "invalid", reason: "webhook-timestamp is not unix seconds: yesterday" });
    expect(await check({ signature: "v2,abc" })).toMatchObject({ status: "invalid", reason: "no v1 signature in webhook-signature" });
  });

  it("agrees with the standardwebhooks library on what the router signs", async () => {
    const secret = generateSecret();
    const now = Math.floor(Date.now() / 1000);
    const body = '{"id":"evt_1","type":"a.b","data":{"x":1}}';
    const signature = await signatureHeader([secret], "dlv_1", now, body);
    const headers = { "webhook-id": "dlv_1", "webhook-timestamp": String(now), "webhook-signature": signature };
    expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    expect(await verifySignature({ keys: [secret], headers: { id: "dlv_1", timestamp: String(now), signature }, body })).toEqual({ status: "valid" });

    const wrong = generateSecret();
    expect(() => new Webhook(wrong).verify(body, headers)).toThrow();
    expect((await verifySignature({ keys: [wrong], headers: { id: "dlv_1", timestamp: String(now), signature }, body })).status).toBe("invalid");
  });

  it("checks v1a (ed25519) signatures with a hook's public key, beside v1 ones", async () => {
    const pair = await generateSigningKey();
    const other = await generateSigningKey();
    const now = Math.floor(Date.now() / 1000);
    const body = '{"id":"evt_1","type":"a.b","data":{"x":1}}';
    const signature = await signatureHeader([pair.secret], "dlv_1", now, body);
    expect(signature).toMatch(/^v1a,/);
    const at = (keys: string[], over: { body?: string; signature?: string } = {}) =>
      verifySignature({ keys, headers: { id: "dlv_1", timestamp: String(now), signature: over.signature ?? signature }, body: over.body ?? body });
    expect(await at([pair.publicKey])).toEqual({ status: "valid" });
    expect(await at([other.publicKey])).toEqual({ status: "invalid", reason: "no signature matches the public key" });
    expect((await at([pair.publicKey], { body: body + " " })).status).toBe("invalid");
    // A rotation's grace period mixes schemes: either key may match.
    const secret = generateSecret();
    const both = await signatureHeader([secret, pair.secret], "dlv_1", now, body);
    expect(await at([other.publicKey, secret], { signature: both })).toEqual({ status: "valid" });
    expect(await at([other.publicKey, generateSecret()], { signature: both })).toEqual({ status: "invalid", reason: "no signature matches any of 2 keys" });
    // Only v1 signatures offered to a listener holding a public key alone.
    expect(await at([pair.publicKey], { signature: await signatureHeader([secret], "dlv_1", now, body) })).toEqual({ status: "invalid", reason: "no v1a signature in webhook-signature" });
    expect((await at([pair.publicKey], { signature: "v1a,!!notbase64" })).status).toBe("invalid");
  });
});
