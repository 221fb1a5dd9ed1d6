import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { buildSignedRequest } from "../../src/delivery/request";

describe("a hook's own headers in the signed request", () => {
  it("drops reserved names in any letter case and values with CR/LF, keeps the rest", async () => {
    const req = await buildSignedRequest({
      url: "https://example.com",
      webhookId: "dlv_1",
      body: "{}",
      secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
      hookHeaders: {
        "X-Team": "data",
        "Content-Type": "text/plain",
        "WEBHOOK-SIGNATURE": "v1,forged",
        "User-Agent": "evil",
        "Svix-Id": "x",
        "X-Split": "a\r\nX-Injected: 1",
      },
    });
    const headers = new Headers(req.headers);
    expect(headers.get("content-type")).toBe("application/json");
    expect(headers.get("webhook-signature")).not.toContain("forged");
    expect(new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify("{}", req.headers)).toEqual({}); // the signature is the real one
    expect(headers.get("user-agent")).toMatch(/^hookrouter\//);
    expect(headers.get("svix-id")).toBeNull();
    expect(headers.get("x-split")).toBeNull();
    expect(headers.get("x-team")).toBe("data");
  });
});
