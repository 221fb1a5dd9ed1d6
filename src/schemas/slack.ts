import { z } from "@hono/zod-openapi";
import { Timestamp } from "./common";

export const SlackConnectUrl = z
  .object({
    url: z.string().openapi({
      description:
        "Slack's OAuth v2 authorize URL (chat:write scope) with a signed, single-use state valid for 10 minutes, bound to the browser that asked: " +
        "the answer sets an HttpOnly cookie for the callback, so open the URL in the browser that made this request",
      example: "https://slack.com/oauth/v2/authorize?client_id=123.456&scope=chat%3Awrite&redirect_uri=…&state=…",
    }),
  })
  .openapi("SlackConnectUrl");

export const SlackConnectQuery = z.object({
  replace: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true")
    .openapi({ description: "true to replace the account's existing connection; without it, an account that has one gets 409" }),
});

// Lenient on purpose: a browser lands here from Slack, so a missing or odd parameter gets an HTML
// page that says what went wrong rather than a JSON validation error.
export const SlackCallbackQuery = z.object({
  code: z.string().max(512).optional(),
  state: z.string().max(1024).optional(),
  error: z.string().max(256).optional().openapi({ description: "Set by Slack when the user cancelled (access_denied)" }),
});

export const SlackTestResult = z
  .object({
    has_configuration: z.boolean().openapi({ description: "Whether this account has a Slack workspace connected" }),
    test_response: z
      .object({ url: z.string(), team: z.string() })
      .optional()
      .openapi({ description: "What Slack's auth.test answered: the workspace URL and name" }),
    error: z.string().optional().openapi({ description: "Slack's error code when the test failed (invalid_auth, token_revoked, …)" }),
  })
  .openapi("SlackTestResult");

export const SlackConnection = z
  .object({
    team_id: z.string(),
    team_name: z.string(),
    bot_user_id: z.string().nullable(),
    status: z.enum(["connected", "broken"]).openapi({ description: "`broken` once Slack refused the token (revoked, invalid); reconnect to fix" }),
    error: z.string().nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("SlackConnection");

export const SlackDisconnected = SlackConnection.extend({
  token_revoked: z.boolean().openapi({ description: "Whether Slack confirmed the token's revocation (auth.revoke)" }),
}).openapi("SlackDisconnected");
