import type { Db } from "../db/client";
import type { HookRow, SlackConnectionRow } from "../db/schema";
import { deliveryTimeoutOf } from "../domain/delivery-policy";
import type { EventForDelivery } from "../domain/event-for-delivery";
import { checkHookTarget } from "../domain/tunnel";
import type { Config } from "../env";
import type { ConnectionSlots } from "./connection-slots";
import { sendToReceiver } from "../services/tunnels";
import { notSent, type SendResult } from "./http-sender";
import { buildSignedRequest, deliveryBody } from "./request";
import { deliverySecrets } from "./signing-secrets";
import { sendSlack } from "./slack-sender";

export interface SendContext {
  db: Db;
  config: Config;
  now: Date;
  /** The invocation's outgoing connections, when several sends share them (the queue consumer). */
  connections?: ConnectionSlots;
}

/**
 * One attempt of one delivery, whatever the hook's kind: the single place the consumer sends through.
 * `webhookId` is the delivery id, the same on every retry (receivers deduplicate with it).
 * `slackConnection`: the account's Slack connection when the caller already read it (the consumer's
 * batch read); left out, a Slack hook's sender reads it.
 */
export async function sendDelivery(ctx: SendContext, hook: HookRow, event: EventForDelivery, webhookId: string, slackConnection?: SlackConnectionRow | null): Promise<SendResult> {
  const send = () => sendByKind(ctx, hook, event, webhookId, slackConnection);
  return ctx.connections ? ctx.connections.run(send) : send();
}

async function sendByKind(ctx: SendContext, hook: HookRow, event: EventForDelivery, webhookId: string, slackConnection: SlackConnectionRow | null | undefined): Promise<SendResult> {
  switch (hook.kind) {
    case "webhook":
      return sendWebhook(ctx, hook, event, webhookId);
    case "slack":
      return sendSlack(ctx, hook, event, slackConnection);
  }
}

/**
 * A Standard Webhooks POST. The URL guard is checked again now: the hook may predate a stricter
 * configuration, or have been written around the API; a refused URL is a failed attempt, never sent.
 */
async function sendWebhook(ctx: SendContext, hook: HookRow, event: EventForDelivery, webhookId: string): Promise<SendResult> {
  const started = Date.now();
  const verdict = checkHookTarget(hook.url ?? "", ctx.config.ALLOW_PRIVATE_TARGETS);
  if (!verdict.ok) return notSent(`not sent: the outbound URL guard refused the hook's url (${verdict.reason})`, started);
  const body = deliveryBody(event, hook);
  // Retrying cannot change what a transformation makes of this event: the attempt is final.
  if (!body.ok) return { ...notSent(body.error, started), final: true };
  const request = await buildSignedRequest({
    url: verdict.url.href,
    webhookId,
    body: body.body,
    secrets: await deliverySecrets(hook, ctx.config, ctx.now),
    hookHeaders: hook.headers,
  });
  return sendToReceiver(hook.accountId, request, deliveryTimeoutOf(hook, ctx.config));
}
