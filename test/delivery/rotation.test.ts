import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { createHook, publish, waitForDeliveryRequests } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

const FIRST = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

function verifies(secret: string, req: { body: string; headers: Record<string, string> }): boolean {
  try {
    new Webhook(secret).verify(req.body, req.headers);
    return true;
  } catch {
    return false;
  }
}

describe("secret rotation", () => {
  it("signs with both secrets during the grace period, each verifiable by standardwebhooks, then with the new one only", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), secret: FIRST });

    const before = Date.now();
    const rotated = await call("POST", `/v1/hooks/${hook.id}/secret/rotate`, { token: key, body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(FIRST);
    expect(rotated.body.previous_secret).toBe(FIRST);
    const expires = Date.parse(rotated.body.previous_secret_expires_at);
    expect(expires - before).toBeGreaterThanOrEqual(86_400_000 - 5000);
    expect(expires - before).toBeLessThanOrEqual(86_400_000 + 5000);
    const shown = await call("GET", `/v1/hooks/${hook.id}/secret`, { token: key });
    expect(shown.body).toEqual(rotated.body);

    await publish(key, { type: "a", payload: { n: 1 } });
    const [during] = await waitForDeliveryRequests(rx, 1);
    expect(during!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(verifies(FIRST, during!)).toBe(true);
    expect(verifies(rotated.body.secret, during!)).toBe(true);

    // Without a body the grace is the default; with grace_seconds 0 the old secret stops signing now.
    const second = await call("POST", `/v1/hooks/${hook.id}/secret/rotate`, { token: key, body: { grace_seconds: 0 } });
    expect(second.body).toMatchObject({ previous_secret: null, previous_secret_expires_at: null });
    await publish(key, { type: "a", payload: { n: 2 } });
    const [, after] = await waitForDeliveryRequests(rx, 2);
    expect(after!.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(verifies(second.body.secret, after!)).toBe(true);
    expect(verifies(rotated.body.secret, after!)).toBe(false);
    expect(verifies(FIRST, after!)).toBe(false);
  });

  it("rotates with no body at all, validates grace_seconds, and keeps other accounts and anonymous callers out", async () => {
    const { key } = await newAccount();
    const other = await newAccount("other");
    const hook = await createHook(key, { url: new Receiver().url() });
    const noBody = await call("POST", `/v1/hooks/${hook.id}/secret/rotate`, { token: key });
    expect(noBody.status).toBe(200);
    expect(noBody.body.previous_secret).toMatch(/^whsec_/);
    expectErrorShape(await call("POST", `/v1/hooks/${hook.id}/secret/rotate`, { token: key, body: { grace_seconds: -1 } }), 400, "validation_failed");
    expectErrorShape(await call("POST", `/v1/hooks/${hook.id}/secret/rotate`, { token: key, body: { grace: 5 } }), 400, "validation_failed");
    expectErrorShape(await call("POST", `/v1/hooks/${hook.id}/secret/rotate`, { token: other.key, body: {} }), 404, "not_found");
    expectErrorShape(await call("POST", `/v1/hooks/${hook.id}/recover`, { token: other.key, body: { since: new Date().toISOString() } }), 404, "not_found");
    expectErrorShape(await call("POST", `/v1/hooks/${hook.id}/recover`, { token: key, body: { since: "yesterday" } }), 400, "validation_failed");
  });
});
