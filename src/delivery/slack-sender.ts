import { SealedIn, secretBoxFor } from "../crypto/secret-box";
import type { Db } from "../db/client";
import type { HookRow, SlackConnectionRow } from "../db/schema";
import { findSlackConnection } from "../db/slack";
import type { EventForDelivery } from "../domain/event-for-delivery";
import { deliveryTimeoutOf } from "../domain/delivery-policy";
import { buildSlackMessage } from "../domain/slack-message";
import type { Config } from "../env";
import { notSent, type SendResult } from "./http-sender";
import type { SendEffect } from "./send-effects";
import { chatPostMessage, isDeadTokenError, missingSlackSettings, slackApp } from "../slack/client";

export interface SlackSendContext {
  db: Db;
  config: Config;
}

const hookInvalid = (hook: HookRow) => ({ kind: "hook_invalid" as const, accountId: hook.accountId, hookId: hook.id });

/**
 * Posts one event to a `slack` hook's channel with chat.postMessage, and answers the same
 * `SendResult` as `sendHttp`, so the consumer's retries, attempt log, rate limit and breaker treat
 * both kinds alike. Slack answers HTTP 200 with `ok: false` for its errors: that is a failed attempt
 * with Slack's error code recorded. A dead token (revoked, invalid) breaks the account's connection
 * and makes the hook `invalid` (effects the caller writes: ./send-effects.ts); later sends fail at
 * once without calling Slack until it reconnects.
 * `preloaded`: the account's connection as the caller already read it (undefined: read it here).
 */
export async function sendSlack(ctx: SlackSendContext, hook: HookRow, event: EventForDelivery, preloaded?: SlackConnectionRow | null): Promise<SendResult> {
  const started = Date.now();
  const app = slackApp(ctx.config);
  if (!app) return notSent(`Slack is not configured on this hookrouter (missing ${missingSlackSettings(ctx.config).join(", ")})`, started);
  if (!hook.slackChannelId) return notSent("this slack hook has no channel_id", started);

  const connection = preloaded === undefined ? await findSlackConnection(ctx.db, hook.accountId) : preloaded;
  if (!connection) return notSent("no Slack workspace is connected to this account (GET /v1/slack/connect-url to connect one)", started);
  if (connection.status === "broken") {
    return { ...notSent(`the Slack connection is broken (${connection.error ?? "unknown error"}): reconnect the workspace`, started), effects: [hookInvalid(hook)] };
  }

  const token = await (await secretBoxFor(ctx.config)).open(connection.tokenSealed, SealedIn.slackToken(hook.accountId));
  const call = await chatPostMessage(app.apiBase, token, hook.slackChannelId, buildSlackMessage(event), deliveryTimeoutOf(hook, ctx.config));
  const effects: SendEffect[] = isDeadTokenError(call.error)
    ? [{ kind: "slack_token_dead", accountId: hook.accountId, tokenSealed: connection.tokenSealed, error: call.error! }, hookInvalid(hook)]
    : [];
  return {
    effects,
    ok: call.ok,
    status: call.status,
    body: call.body,
    error: call.ok ? null : `Slack: ${call.error}`,
    durationMs: call.durationMs,
    retryAfterSeconds: call.retryAfterSeconds,
    timedOut: call.timedOut,
  };
}
