import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { signOne, signatureHeader } from "../../src/delivery/signer";
import { buildBody, buildSignedRequest } from "../../src/delivery/request";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("Standard Webhooks signer", () => {
  it("reproduces the published test vector", async () => {
    expect(await signOne(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}')).toBe(
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
  });

  it("signs with every secret during a rotation, each verifiable on its own", async () => {
    const other = "whsec_" + btoa("0123456789abcdef01234567");
    const header = await signatureHeader([SECRET, other], "dlv_x", 1700000000, "{}");
    expect(header.split(" ")).toHaveLength(2);
    const req = await buildSignedRequest({ url: "https://example.com", webhookId: "dlv_x", body: '{"a":1}', secrets: [SECRET, other] });
    for (const s of [SECRET, other]) {
      expect(new Webhook(s).verify(req.body, req.headers)).toEqual({ a: 1 });
    }
    expect(() => new Webhook("whsec_" + btoa("not-the-secret-not-the-secret")).verify(req.body, req.headers)).toThrow();
  });

  it("never lets a hook header replace a contract header", async () => {
    const req = await buildSignedRequest({
      url: "https://example.com",
      webhookId: "dlv_y",
      body: "{}",
      secrets: [SECRET],
      hookHeaders: { "webhook-signature": "v1,forged", "content-type": "text/plain", "x-team": "blue" },
    });
    expect(req.headers["webhook-signature"]).not.toBe("v1,forged");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["x-team"]).toBe("blue");
  });
});

describe("delivery body", () => {
  const event = { id: "evt_1", type: "job_run.failed", createdAt: "2026-11-23T10:00:00.000Z", payload: '{"run":42}', applications: ["billing"], workId: "work_9" };
  it("wraps the payload in the envelope without re-serialising it", () => {
    expect(JSON.parse(buildBody(event, "envelope"))).toEqual({
      id: "evt_1",
      type: "job_run.failed",
      timestamp: "2026-11-23T10:00:00.000Z",
      data: { run: 42 },
      applications: ["billing"],
      work_id: "work_9",
    });
  });
  it("sends the payload alone in raw format", () => {
    expect(buildBody(event, "raw")).toBe('{"run":42}');
  });
});
