import { describe, expect, it } from "vitest";
import { call, newAccount } from "../helpers/api";
import { testedHook } from "../helpers/delivery";
import { FakeSlackTeam } from "../helpers/fake-slack";
import { eventually } from "../helpers/receiver";

// Slack hooks end to end: an event published through the API goes through the same queue, consumer,
// retries and attempt log as a webhook, and arrives at the fake Slack as chat.postMessage.

async function connectedAccount() {
  const account = await newAccount();
  const slack = new FakeSlackTeam();
  expect((await slack.connect(account.key)).status).toBe(200);
  return { ...account, slack };
}

/** A slack hook, once its automatic test (a message to the channel) has run. */
async function slackHook(key: string, channel: string, extra: Record<string, unknown> = {}) {
  const created = await call("POST", "/v1/hooks", {
    token: key,
    body: { name: `slack-${crypto.randomUUID()}`, kind: "slack", slack: { channel_id: channel }, events: ["job_run.*"], ...extra },
  });
  expect(created.status).toBe(201);
  return testedHook(key, created.body.id);
}

/** Publishes an event that reaches exactly one hook; answers the event and its delivery's id. */
async function publish(key: string, body: Record<string, unknown>): Promise<{ id: string; deliveryId: string }> {
  const res = await call("POST", "/v1/events", { token: key, body });
  expect(res.status).toBe(202);
  expect(res.body.deliveries).toBe(1);
  const list = await call("GET", `/v1/deliveries?event_id=${res.body.id}`, { token: key });
  return { id: res.body.id, deliveryId: list.body.data[0].id };
}

/** Polls a delivery until `done` says so, then answers it with its attempt log. */
async function deliveryWhen(key: string, id: string, done: (d: any) => boolean) {
  const d = await eventually(async () => {
    const res = (await call("GET", `/v1/deliveries/${id}`, { token: key })).body;
    return done(res) ? res : null;
  }, 30_000);
  if (!d) throw new Error(`delivery ${id}: ${JSON.stringify((await call("GET", `/v1/deliveries/${id}`, { token: key })).body)}`);
  return d;
}

describe("Slack delivery", () => {
  it("delivers an event as chat.postMessage to the hook's channel: Block Kit blocks, fallback text, event id and work_id", async () => {
    const { key, slack } = await connectedAccount();
    const hook = await slackHook(key, "C0BUILDS");
    expect(hook.state).toBe("valid"); // its automatic test reached Slack
    const before = (await slack.calls("chat.postMessage")).length;

    const event = await publish(key, { type: "job_run.failed", payload: { job_id: "job_42", exit_code: 137 }, work_id: "work_deploy_7" });
    const delivery = await deliveryWhen(key, event.deliveryId, (d) => d.status === "succeeded");
    expect(delivery.hook_id).toBe(hook.id);
    expect(delivery.attempt_log).toHaveLength(1);
    expect(delivery.attempt_log[0]).toMatchObject({ n: 1, response_status: 200, error: null });
    expect(JSON.parse(delivery.attempt_log[0].response_body)).toMatchObject({ ok: true, channel: "C0BUILDS" });

    const posts = (await slack.calls("chat.postMessage")).slice(before);
    expect(posts).toHaveLength(1);
    const { body, token } = posts[0]!;
    expect(token).toBe((await slack.tokens())[0]!.token);
    expect(body.channel).toBe("C0BUILDS");
    expect(body.text).toBe(`job_run.failed: event ${event.id} (work_id work_deploy_7)`);
    const blocks = body.blocks as any[];
    expect(blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "job_run.failed" } });
    expect(blocks[1].fields.map((f: any) => f.text)).toEqual(["*job_id*\njob_42", "*exit_code*\n`137`"]);
    expect(blocks[2].elements[0].text).toContain(`Event \`${event.id}\``);
    expect(blocks[2].elements[0].text).toContain("work_id `work_deploy_7`");
  });

  it("retries Slack's ok:false and 429 answers, recording each attempt with Slack's error", async () => {
    const { key, slack } = await connectedAccount();
    const hook = await slackHook(key, "C0BUILDS");
    await slack.script([{ error: "not_in_channel" }, { retry_after: 1 }]);
    const event = await publish(key, { type: "job_run.succeeded", payload: { job_id: "job_43" } });
    const delivery = await deliveryWhen(key, event.deliveryId, (d) => d.status === "succeeded" || d.status === "dead");
    expect(delivery.status).toBe("succeeded");
    expect(delivery.attempt_log.map((a: any) => [a.n, a.response_status, a.error])).toEqual([
      [1, 200, "Slack: not_in_channel"],
      [2, 429, "Slack: ratelimited"],
      [3, 200, null],
    ]);
    expect(JSON.parse(delivery.attempt_log[0].response_body)).toEqual({ ok: false, error: "not_in_channel" });
    const channels = (await slack.calls("chat.postMessage")).map((c) => c.body.channel);
    expect(channels).toEqual(["C0BUILDS", "C0BUILDS", "C0BUILDS", "C0BUILDS"]); // the automatic test, then 3 attempts
    expect((await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body.state).toBe("valid");
  });

  it("a revoked token marks the connection broken and the hook invalid; the delivery fails without calling Slack again", async () => {
    const { key, slack } = await connectedAccount();
    const hook = await slackHook(key, "C0BUILDS");
    expect(hook.state).toBe("valid");
    await slack.revokeAll();
    const event = await publish(key, { type: "job_run.created", payload: { job_id: "job_44" } });
    const delivery = await deliveryWhen(key, event.deliveryId, (d) => d.status === "dead");
    expect(delivery.attempt_log[0].error).toBe("Slack: token_revoked");
    for (const later of delivery.attempt_log.slice(1)) expect(later.error).toContain("the Slack connection is broken (token_revoked)");
    expect((await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body.state).toBe("invalid");
    expect((await call("GET", "/v1/slack/connection", { token: key })).body).toMatchObject({ status: "broken", error: "token_revoked" });
    expect(await slack.calls("chat.postMessage")).toHaveLength(2); // the automatic test, then the one refused attempt
  });

  it("POST /v1/hooks/{id}/test posts the sample event to the channel and reports Slack's answer", async () => {
    const { key, slack } = await connectedAccount();
    const hook = await slackHook(key, "C0TESTS", { events: ["job_run.failed"] });
    const tested = await call("POST", `/v1/hooks/${hook.id}/test`, { token: key, body: {} });
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ success: true, response_status: 200, error_message: null });
    const last = (await slack.calls("chat.postMessage")).at(-1)!;
    expect(last.body.channel).toBe("C0TESTS");
    expect((last.body.blocks as any[])[0].text.text).toBe("job_run.failed");

    // A failing test (Slack error → invalid) is in test/slack/hook-test.test.ts.
  });

  it("a slack hook created before any workspace is connected ends invalid, saying why", async () => {
    const { key } = await newAccount();
    const hook = await slackHook(key, "C0EARLY");
    expect(hook.state).toBe("invalid");
    expect(hook.last_test.error_message).toContain("no Slack workspace is connected");
  });
});
