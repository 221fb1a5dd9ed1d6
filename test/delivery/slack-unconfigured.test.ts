import { describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";

// This project has no SLACK_* bindings: Slack is simply not set up on this hookrouter.
describe("Slack without configuration", () => {
  it("refuses slack hooks with 422", async () => {
    const { key } = await newAccount();
    const res = await call("POST", "/v1/hooks", { token: key, body: { name: "to-slack", kind: "slack", slack: { channel_id: "C0123ABCD" } } });
    expectErrorShape(res, 422, "unprocessable");
    expect(res.body.error.message).toContain("SLACK_CLIENT_ID");
    expect(res.body.error.details[0].path).toBe("kind");
    expect((await call("GET", "/v1/hooks?kind=slack", { token: key })).body.data).toEqual([]);
  });

  it("answers every Slack route with a clear not_configured error", async () => {
    const { key } = await newAccount();
    const answers = [
      await call("GET", "/v1/slack/connect-url", { token: key }),
      await call("POST", "/v1/slack/test", { token: key }),
      await call("GET", "/v1/slack/connection", { token: key }),
      await call("DELETE", "/v1/slack/connection", { token: key }),
      await call("GET", "/v1/slack/oauth/callback?code=x&state=y"),
    ];
    for (const a of answers) {
      expectErrorShape(a, 503, "not_configured");
      expect(a.body.error.message).toMatch(/Slack is not configured.*SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_REDIRECT_URI/);
    }
  });
});
