import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SealedIn, secretBoxFor } from "../../src/crypto/secret-box";
import { getDb } from "../../src/db/client";
import { findHook } from "../../src/db/hooks";
import { findSlackConnection } from "../../src/db/slack";
import { applyEffects } from "../../src/delivery/send-effects";
import { sendSlack } from "../../src/delivery/slack-sender";
import { getConfig, type Env } from "../../src/env";
import { newAccount } from "../helpers/api";
import { FakeSlackTeam, insertSlackHook } from "../helpers/fake-slack";

// The Slack sender on its own, against the fake Slack: the SendResult it answers is what the
// consumer's retries and attempt log read, exactly as for sendHttp.

const config = getConfig(env as unknown as Env);
const db = getDb((env as unknown as Env).DB);
const ctx = { db, config };

const event = {
  id: "evt_01JD3Z5Q3W9X4Y2V8N6M1K0P7R",
  type: "job_run.failed",
  createdAt: "2026-11-23T10:00:00.000Z",
  payload: JSON.stringify({ job_id: "job_42", reason: "OOMKilled" }),
  applications: null,
  workId: "work_01JD3Z5Q3W9X4Y2V8N6M1K0P7S",
};

async function connected() {
  const account = await newAccount();
  const slack = new FakeSlackTeam();
  const { status } = await slack.connect(account.key);
  expect(status).toBe(200);
  return { ...account, slack };
}

describe("Slack sender", () => {
  it("posts the Block Kit message to the hook's channel with the bot token, and answers a successful SendResult", async () => {
    const { accountId, slack } = await connected();
    const hook = await insertSlackHook(accountId, "C0ALERTS");
    const result = await sendSlack(ctx, hook, event);
    expect(result).toMatchObject({ ok: true, status: 200, error: null, retryAfterSeconds: null, timedOut: false });
    expect(JSON.parse(result.body!)).toMatchObject({ ok: true, channel: "C0ALERTS" });

    const [posted] = await slack.calls("chat.postMessage");
    expect(posted!.token).toBe((await slack.tokens())[0]!.token);
    expect(posted!.content_type).toContain("application/json");
    expect(posted!.body).toMatchObject({ channel: "C0ALERTS", text: `job_run.failed: event ${event.id} (work_id ${event.workId})`, unfurl_links: false });
    const blocks = posted!.body.blocks as Array<Record<string, any>>;
    expect(blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "job_run.failed" } });
    expect(blocks[1]!.fields.map((f: { text: string }) => f.text)).toEqual(["*job_id*\njob_42", "*reason*\nOOMKilled"]);
    expect(blocks[2]!.elements[0].text).toContain(event.id);
    expect(blocks[2]!.elements[0].text).toContain(event.workId);
  });

  it("records Slack's ok:false as a failed attempt carrying Slack's error, and a 429 with its Retry-After", async () => {
    const { accountId, slack } = await connected();
    const hook = await insertSlackHook(accountId, "C0ALERTS");
    await slack.script([{ error: "channel_not_found" }, { retry_after: 7 }]);
    const refused = await sendSlack(ctx, hook, event);
    expect(refused).toMatchObject({ ok: false, status: 200, error: "Slack: channel_not_found", retryAfterSeconds: null });
    expect(JSON.parse(refused.body!)).toEqual({ ok: false, error: "channel_not_found" });
    const limited = await sendSlack(ctx, hook, event);
    expect(limited).toMatchObject({ ok: false, status: 429, error: "Slack: ratelimited", retryAfterSeconds: 7 });
    expect((await sendSlack(ctx, hook, event)).ok).toBe(true);
    expect(await slack.calls("chat.postMessage")).toHaveLength(3);
  });

  it("a revoked token breaks the connection and makes the hook invalid; later sends do not call Slack", async () => {
    const { accountId, slack } = await connected();
    const hook = await insertSlackHook(accountId, "C0ALERTS");
    await slack.revokeAll();
    const result = await sendSlack(ctx, hook, event);
    expect(result).toMatchObject({ ok: false, status: 200, error: "Slack: token_revoked" });
    // The sender says what it found out; the caller writes it with its other writes (the consumer, a test).
    expect(result.effects!.map((e) => e.kind)).toEqual(["slack_token_dead", "hook_invalid"]);
    expect((await findHook(db, accountId, hook.id))!.state).toBe("valid");
    await applyEffects(db, result.effects, new Date().toISOString());
    expect((await findHook(db, accountId, hook.id))!.state).toBe("invalid");
    expect(await findSlackConnection(db, accountId)).toMatchObject({ status: "broken", error: "token_revoked" });

    const again = await sendSlack(ctx, (await findHook(db, accountId, hook.id))!, event);
    expect(again).toMatchObject({ ok: false, status: null });
    expect(again.error).toContain("broken (token_revoked)");
    expect(await slack.calls("chat.postMessage")).toHaveLength(1);
  });

  it("a token Slack does not know (invalid_auth) is treated the same way", async () => {
    const { accountId, slack } = await connected();
    const hook = await insertSlackHook(accountId, "C0ALERTS");
    // Replace the stored token by one Slack never issued.
    await (env as unknown as Env).DB.prepare("update slack_connections set token_sealed = ? where account_id = ?").bind(await (await secretBoxFor(config)).seal("xoxb-never-issued", SealedIn.slackToken(accountId)), accountId).run();
    const result = await sendSlack(ctx, hook, event);
    expect(result.error).toBe("Slack: invalid_auth");
    await applyEffects(db, result.effects, new Date().toISOString());
    expect((await findHook(db, accountId, hook.id))!.state).toBe("invalid");
    expect((await findSlackConnection(db, accountId))!.status).toBe("broken");
    expect(await slack.calls("chat.postMessage")).toHaveLength(0); // unknown tokens are not the team's
  });

  it("fails without calling anything when the account has no Slack connection", async () => {
    const { accountId } = await newAccount();
    const hook = await insertSlackHook(accountId, "C0ALERTS");
    const result = await sendSlack(ctx, hook, event);
    expect(result).toMatchObject({ ok: false, status: null, timedOut: false });
    expect(result.error).toContain("no Slack workspace is connected");
    expect((await findHook(db, accountId, hook.id))!.state).toBe("valid");
  });
});
