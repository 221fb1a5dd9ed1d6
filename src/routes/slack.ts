import { createRoute, z } from "@hono/zod-openapi";
import { getCookie, setCookie } from "hono/cookie";
import { BROWSER_COOKIE, CALLBACK_PATH, STATE_TTL_SECONDS } from "../domain/slack-oauth-state";
import { ApiError } from "../errors";
import { auth, newRouter } from "../http/route";
import { presentSlackConnection } from "../presenters/slack";
import { ErrorSchema, errorResponses, jsonResponse } from "../schemas/common";
import { SlackCallbackQuery, SlackConnection, SlackConnectQuery, SlackConnectUrl, SlackDisconnected, SlackTestResult } from "../schemas/slack";
import { completeSlackOAuth, disconnectSlack, getSlackConnection, slackConnectUrl, testSlackConnection, type OAuthOutcome } from "../services/slack";

const tags = ["Slack"];

export const slackRouter = newRouter();

slackRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/slack/connect-url",
    tags,
    ...auth.apiKey({ scope: "slack:write" }),
    summary: "The Slack OAuth URL that connects a workspace to this account",
    description:
      "Call it from the browser that will approve the app (a page of this hookrouter's origin, e.g. /docs): the answer sets a cookie " +
      "for the callback, and the callback refuses (403) a flow whose browser lacks it, so a connect link sent to someone else or leaked " +
      "connects nothing. An account that already has a connection gets 409 unless replace=true.",
    request: { query: SlackConnectQuery },
    responses: { 200: jsonResponse(SlackConnectUrl, "Open this URL in the same browser"), ...errorResponses(400, 401, 409, 503) },
  }),
  async (c) => {
    const { url, browserSecret } = await slackConnectUrl(c.var.ctx, c.req.valid("query").replace);
    setCookie(c, BROWSER_COOKIE, browserSecret, { path: CALLBACK_PATH, httpOnly: true, secure: true, sameSite: "Lax", maxAge: STATE_TTL_SECONDS });
    c.header("cache-control", "no-store");
    return c.json({ url }, 200);
  },
);

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

function callbackPage(outcome: OAuthOutcome): string {
  const title = outcome.ok ? "Slack connected" : "Slack not connected";
  const message = outcome.ok
    ? `The Slack workspace <strong>${escapeHtml(outcome.connection.teamName)}</strong> is connected to hookrouter. You can close this page.`
    : escapeHtml(outcome.reason);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style>
</head><body><h1>${title}</h1><p>${message}</p></body></html>`;
}

/** A page for people, or the API's JSON for programs: the two answers the callback can give. */
const pageOr = <T extends z.ZodTypeAny>(json: T, description: string) => ({
  description,
  content: { "text/html": { schema: z.string() }, "application/json": { schema: json } },
});

slackRouter.openapi(
  createRoute({
    method: "get",
    path: CALLBACK_PATH,
    tags,
    // The one Slack route without an API key: Slack's redirect brings the user's browser here.
    ...auth.none("the signed, single-use state and the cookie of the browser that asked for it authenticate the callback"),
    summary: "Slack's OAuth redirect target: stores the bot token (no API key: the state authenticates)",
    description:
      "A browser (Accept: text/html) gets a small HTML page saying the workspace is connected or why not; " +
      "any other client gets the connection, or the usual JSON error.",
    request: { query: SlackCallbackQuery },
    responses: {
      200: pageOr(SlackConnection, "Connected"),
      400: pageOr(ErrorSchema, "Refused: forged, expired, used or other-account state, cancelled, or a code Slack does not accept"),
      403: pageOr(ErrorSchema, "Refused: the flow was started in another browser (its cookie is missing or different)"),
      409: pageOr(ErrorSchema, "Refused: the account has a connection and the flow was not started with replace=true"),
      502: pageOr(ErrorSchema, "Slack could not be reached or refused hookrouter's app credentials"),
      ...errorResponses(503),
    },
  }),
  async (c) => {
    // The cookie is left to expire with the state: the nonce already makes the flow single-use.
    const outcome = await completeSlackOAuth(c.var.ctx, c.req.valid("query"), getCookie(c, BROWSER_COOKIE));
    if (!(c.req.header("accept") ?? "").includes("text/html")) {
      if (!outcome.ok) throw new ApiError(outcome.status, outcome.code, outcome.reason);
      return c.json(presentSlackConnection(outcome.connection), 200);
    }
    // The URL carries a one-time code: keep it out of caches and Referer headers; the page runs no script.
    c.header("cache-control", "no-store");
    c.header("referrer-policy", "no-referrer");
    c.header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'");
    return c.html(callbackPage(outcome), outcome.ok ? 200 : outcome.status);
  },
);

slackRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/slack/test",
    tags,
    ...auth.apiKey({ scope: "slack:read" }),
    summary: "Test the account's Slack connection with auth.test",
    responses: { 200: jsonResponse(SlackTestResult, "has_configuration, and Slack's answer or error"), ...errorResponses(401, 503) },
  }),
  async (c) => c.json(await testSlackConnection(c.var.ctx), 200),
);

slackRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/slack/connection",
    tags,
    ...auth.apiKey({ scope: "slack:read" }),
    summary: "The account's Slack connection (workspace and status; never the token)",
    responses: { 200: jsonResponse(SlackConnection, "The connection"), ...errorResponses(401, 404, 503) },
  }),
  async (c) => c.json(presentSlackConnection(await getSlackConnection(c.var.ctx)), 200),
);

slackRouter.openapi(
  createRoute({
    method: "delete",
    path: "/v1/slack/connection",
    tags,
    ...auth.apiKey({ scope: "slack:write" }),
    summary: "Disconnect Slack: revoke the bot token at Slack and forget it",
    responses: { 200: jsonResponse(SlackDisconnected, "The removed connection"), ...errorResponses(401, 404, 503) },
  }),
  async (c) => {
    const { connection, tokenRevoked } = await disconnectSlack(c.var.ctx);
    return c.json({ ...presentSlackConnection(connection), token_revoked: tokenRevoked }, 200);
  },
);
