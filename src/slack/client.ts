import type { Config } from "../env";
import type { SlackMessage } from "../domain/slack-message";
import { readPrefix, RESPONSE_BODY_LIMIT, retryAfterOf, unanswered } from "../delivery/http-sender";

// The Slack Web API calls hookrouter makes, and nothing else: the OAuth code exchange, auth.test,
// auth.revoke and chat.postMessage. The API base is configuration (SLACK_API_BASE), so tests and
// local runs talk to a fake with the same wire format.

/** The Slack app's settings, present only when all three credentials are configured. */
export interface SlackApp {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  apiBase: string;
  authorizeUrl: string;
}

const REQUIRED = ["SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_REDIRECT_URI"] as const;

/** The Slack settings that are still missing (all three when Slack is simply not used). */
export function missingSlackSettings(config: Config): string[] {
  return REQUIRED.filter((k) => !config[k]);
}

export function slackApp(config: Config): SlackApp | null {
  if (missingSlackSettings(config).length > 0) return null;
  return {
    clientId: config.SLACK_CLIENT_ID!,
    clientSecret: config.SLACK_CLIENT_SECRET!,
    redirectUri: config.SLACK_REDIRECT_URI!,
    apiBase: config.SLACK_API_BASE.replace(/\/+$/, ""),
    authorizeUrl: config.SLACK_AUTHORIZE_URL,
  };
}

/** One Web API call's outcome. Slack answers HTTP 200 with `ok: false` for most errors. */
export interface SlackCall {
  /** HTTP 2xx and `ok: true` in the body. */
  ok: boolean;
  status: number | null;
  /** Slack's error code (`invalid_auth`, `channel_not_found`, …), or what went wrong on the wire. */
  error: string | null;
  data: Record<string, unknown> | null;
  /** The first 4 KiB of the answer, as received: what the attempt log records. */
  body: string | null;
  retryAfterSeconds: number | null;
  timedOut: boolean;
  durationMs: number;
}

// Enough for chat.postMessage, whose answer echoes the whole message back; a longer answer is not
// one Slack gives, and is reported as unreadable rather than buffered.
const PARSE_LIMIT = 64 * 1024;

async function callSlack(
  apiBase: string,
  method: string,
  opts: { token?: string; form?: Record<string, string>; json?: unknown },
  timeoutMs: number,
): Promise<SlackCall> {
  const started = Date.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string;
  if (opts.json !== undefined) {
    headers["content-type"] = "application/json; charset=utf-8";
    body = JSON.stringify(opts.json);
  } else {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(opts.form ?? {}).toString();
  }
  try {
    const res = await fetch(`${apiBase}/${method}`, { method: "POST", headers, body, redirect: "manual", signal: controller.signal });
    const text = await readPrefix(res, PARSE_LIMIT);
    let data: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
    } catch {
      /* not JSON: reported below */
    }
    const httpOk = res.status >= 200 && res.status < 300;
    const ok = httpOk && data?.ok === true;
    let error: string | null = null;
    if (!ok) {
      if (typeof data?.error === "string") error = data.error;
      else if (res.status === 429) error = "ratelimited";
      else if (!httpOk) error = `HTTP ${res.status}`;
      else error = "unreadable answer (not a Slack API JSON object)";
    }
    return {
      ok,
      status: res.status,
      error,
      data,
      body: text.slice(0, RESPONSE_BODY_LIMIT),
      retryAfterSeconds: retryAfterOf(res),
      timedOut: false,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    return { ...unanswered(err, controller.signal.aborted, timeoutMs, started), data: null };
  } finally {
    clearTimeout(timer);
  }
}

/** Exchanges an OAuth code for a bot token; Slack takes this call form-encoded only. */
export function oauthV2Access(app: SlackApp, code: string, timeoutMs: number): Promise<SlackCall> {
  return callSlack(
    app.apiBase,
    "oauth.v2.access",
    { form: { client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: app.redirectUri } },
    timeoutMs,
  );
}

export function authTest(apiBase: string, token: string, timeoutMs: number): Promise<SlackCall> {
  return callSlack(apiBase, "auth.test", { token, form: {} }, timeoutMs);
}

export function authRevoke(apiBase: string, token: string, timeoutMs: number): Promise<SlackCall> {
  return callSlack(apiBase, "auth.revoke", { token, form: {} }, timeoutMs);
}

export function chatPostMessage(apiBase: string, token: string, channel: string, message: SlackMessage, timeoutMs: number): Promise<SlackCall> {
  // Links in payload values are not unfurled: an event notification should not grow previews.
  return callSlack(apiBase, "chat.postMessage", { token, json: { channel, ...message, unfurl_links: false, unfurl_media: false } }, timeoutMs);
}

/** Errors that mean the token itself is no good: the connection is broken until reconnected. */
export function isDeadTokenError(error: string | null): boolean {
  return error === "invalid_auth" || error === "token_revoked" || error === "account_inactive" || error === "not_authed";
}
