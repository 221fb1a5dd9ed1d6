import { describe, expect, it } from "vitest";
import { call, newAccount } from "../helpers/api";
import { FakeSlackTeam } from "../helpers/fake-slack";
import { eventually } from "../helpers/receiver";

// Endpoint tests of slack hooks go through the same Slack sender as their deliveries.

describe("testing a slack hook", () => {
  it("the automatic test posts the sample event to the channel and makes the hook valid; a Slack error makes it invalid", async () => {
    const { key } = await newAccount();
    const slack = new FakeSlackTeam();
    expect((await slack.connect(key)).status).toBe(200);
    const created = await call("POST", "/v1/hooks", { token: key, body: { name: "alerts", kind: "slack", slack: { channel_id: "C0ALERTS" }, events: ["job_run.failed"] } });
    expect(created.status).toBe(201);
    expect(created.body.state).toBe("new");

    const valid = await eventually(async () => {
      const h = (await call("GET", `/v1/hooks/${created.body.id}`, { token: key })).body;
      return h.state === "valid" ? h : null;
    });
    expect(valid.last_test).toMatchObject({ success: true, response_status: 200, error_message: null, event_type: "job_run.failed" });
    const [posted] = await slack.calls("chat.postMessage");
    expect(posted!.body).toMatchObject({ channel: "C0ALERTS" });
    expect(JSON.stringify(posted!.body.blocks)).toContain("hookrouter");

    await slack.script([{ error: "channel_not_found" }]);
    const res = await call("POST", `/v1/hooks/${created.body.id}/test`, { token: key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: false, response_status: 200, error_message: "Slack: channel_not_found" });
    expect((await call("GET", `/v1/hooks/${created.body.id}`, { token: key })).body.state).toBe("invalid");
    expect(await slack.calls("chat.postMessage")).toHaveLength(2);
  });
});
