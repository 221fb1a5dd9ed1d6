import type { z } from "@hono/zod-openapi";
import { bytesToHex, sha256Hex, timingSafeEqualStrings } from "../crypto/encoding";
import { SealedIn, secretBoxFor } from "../crypto/secret-box";
import type { AccountContext, RequestContext } from "../context";
import { nowIso } from "../db/client";
import type { SlackConnectionRow } from "../db/schema";
import {
  consumeOauthState,
  deleteSlackConnection,
  findSlackConnection,
  insertOauthState,
  markSlackConnectionBroken,
  upsertSlackConnection,
} from "../db/slack";
import { base64url } from "../domain/ids";
import { oauthStateKey, signOAuthState, STATE_TTL_SECONDS, verifyOAuthState } from "../domain/slack-oauth-state";
import { authRevoke, authTest, isDeadTokenError, missingSlackSettings, oauthV2Access, slackApp, type SlackApp } from "../slack/client";
import type { Config } from "../env";
import { ApiError } from "../errors";
import type { SlackTestResult } from "../schemas/slack";

/** The bot scope hookrouter asks for: posting messages is all it does. */
/** The account a Slack call is made for, with the database and configuration. */
type AccountCaller = Pick<AccountContext, "db" | "config" | "accountId">;

export const SLACK_SCOPES = ["chat:write"];

/** Bounded, so a slow Slack cannot hold an API request for long. */
const SLACK_API_TIMEOUT_MS = 10_000;

/** The Slack app's settings, or the clear JSON error every Slack route gives without them. */
export function requireSlackApp(config: Config): SlackApp {
  const app = slackApp(config);
  if (app) return app;
  throw new ApiError(
    503,
    "not_configured",
    `Slack is not configured on this hookrouter: set ${missingSlackSettings(config).join(", ")} (see docs/slack.md)`,
  );
}

const stateKeys = new WeakMap<object, Promise<CryptoKey>>();
function stateKeyFor(config: Config): Promise<CryptoKey> {
  let key = stateKeys.get(config);
  if (!key) {
    key = oauthStateKey(config.ENCRYPTION_KEY);
    stateKeys.set(config, key);
  }
  return key;
}

/** A connect URL, and the browser secret the caller must set as the callback's cookie. */
export interface SlackConnectStart {
  url: string;
  browserSecret: string;
}

/**
 * Slack's authorize URL for this account, with a fresh signed, single-use, 10-minute state bound to
 * the browser that asked (the hash of `browserSecret`, which only its cookie carries). An account
 * that already has a connection gets one only when replacing it is asked for (`replace`), so a
 * connect link never silently replaces a working connection.
 */
export async function slackConnectUrl(ctx: AccountCaller, replace: boolean): Promise<SlackConnectStart> {
  const { db, config, accountId } = ctx;
  const app = requireSlackApp(config);
  const existing = await findSlackConnection(db, accountId);
  if (existing && !replace) throw alreadyConnected(existing);
  const now = Date.now();
  const nonce = bytesToHex(crypto.getRandomValues(new Uint8Array(16)));
  const browserSecret = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const expiresAt = Math.floor(now / 1000) + STATE_TTL_SECONDS;
  await insertOauthState(db, { nonce, accountId, expiresAt: new Date(expiresAt * 1000).toISOString() }, new Date(now).toISOString());
  const state = await signOAuthState(await stateKeyFor(config), { nonce, accountId, expiresAt, browserHash: await sha256Hex(browserSecret), replace });
  const url = new URL(app.authorizeUrl);
  url.searchParams.set("client_id", app.clientId);
  url.searchParams.set("scope", SLACK_SCOPES.join(","));
  url.searchParams.set("redirect_uri", app.redirectUri);
  url.searchParams.set("state", state);
  return { url: url.toString(), browserSecret };
}

function alreadyConnected(c: SlackConnectionRow): ApiError {
  return ApiError.conflict(
    `this account already has the Slack workspace "${c.teamName}" connected: ask for a connect URL with replace=true to replace it, or disconnect it first (DELETE /v1/slack/connection)`,
  );
}

export type OAuthOutcome =
  | { ok: true; connection: SlackConnectionRow }
  | { ok: false; status: 400; code: "validation_failed"; reason: string }
  | { ok: false; status: 403; code: "forbidden"; reason: string }
  | { ok: false; status: 409; code: "conflict"; reason: string }
  | { ok: false; status: 502; code: "upstream_error"; reason: string };

/** The request itself is wrong (state, cancelled, code): never a 5xx. */
const refused = (reason: string): OAuthOutcome => ({ ok: false, status: 400, code: "validation_failed", reason });
/** Slack failed us (unreachable, or refused our own credentials): the one 5xx of the callback. */
const upstream = (reason: string): OAuthOutcome => ({ ok: false, status: 502, code: "upstream_error", reason });

/** Slack errors of the code exchange that mean the code itself is no good (expired, used, made up). */
const BAD_CODE_ERRORS = new Set(["invalid_code", "code_already_used", "code_expired", "bad_redirect_uri", "invalid_grant_type"]);

/**
 * The OAuth callback. The state is checked first (signature, expiry, the browser's cookie, then the
 * nonce is used up for its account), so a forged, expired, replayed, other-account or other-browser
 * state never reaches Slack; then the code is exchanged and the bot token stored sealed. An existing
 * connection is replaced only by a flow started with replace=true.
 */
export async function completeSlackOAuth(
  ctx: Pick<RequestContext, "db" | "config">,
  q: { code?: string; state?: string; error?: string },
  browserSecret: string | undefined,
): Promise<OAuthOutcome> {
  const { db, config } = ctx;
  const app = requireSlackApp(config);
  if (!q.state) return refused("The link has no state parameter. Start again from hookrouter's connect URL.");
  const verdict = await verifyOAuthState(await stateKeyFor(config), q.state, Date.now());
  if (!verdict.ok) {
    return refused(
      verdict.reason === "expired"
        ? "This connection link has expired (links are valid for 10 minutes). Ask hookrouter for a new connect URL."
        : "This connection link was not issued by hookrouter (invalid state).",
    );
  }
  const { nonce, accountId, browserHash, replace } = verdict.claims;
  // Before the nonce is spent: a link opened in another browser (sent to someone, or leaked) changes nothing.
  if (!browserSecret || !(await timingSafeEqualStrings(await sha256Hex(browserSecret), browserHash))) {
    return {
      ok: false,
      status: 403,
      code: "forbidden",
      reason: "This connection link was started in another browser. Ask hookrouter for a new connect URL from this browser, then open it here.",
    };
  }
  if (!(await consumeOauthState(db, nonce, accountId, nowIso()))) {
    return refused("This connection link was already used, or does not belong to that account. Ask hookrouter for a new connect URL.");
  }
  if (q.error) return refused(`Slack did not authorize the app (${q.error}).`);
  if (!q.code) return refused("Slack sent no authorization code.");
  // Connected meanwhile (by another flow): only a flow started with replace=true may replace it.
  const existing = replace ? undefined : await findSlackConnection(db, accountId);
  if (existing) return { ok: false, status: 409, code: "conflict", reason: alreadyConnected(existing).message };

  const call = await oauthV2Access(app, q.code, SLACK_API_TIMEOUT_MS);
  if (!call.ok) {
    const why = `Slack refused the code exchange (${call.error}).`;
    return BAD_CODE_ERRORS.has(call.error ?? "") ? refused(`${why} Start again from hookrouter's connect URL.`) : upstream(why);
  }
  const data = call.data!;
  const team = (data.team ?? {}) as { id?: unknown; name?: unknown };
  const token = data.access_token;
  if (typeof token !== "string" || typeof team.id !== "string") return upstream("Slack's answer had no bot token or team.");
  const granted = typeof data.scope === "string" ? data.scope.split(",") : [];
  const lacking = SLACK_SCOPES.filter((s) => !granted.includes(s));
  if (lacking.length > 0) return refused(`The app was installed without the ${lacking.join(", ")} scope.`);

  const teamName = typeof team.name === "string" && team.name ? team.name : team.id;
  const connection = await upsertSlackConnection(
    db,
    {
      accountId,
      teamId: team.id,
      teamName,
      botUserId: typeof data.bot_user_id === "string" ? data.bot_user_id : null,
      tokenSealed: await (await secretBoxFor(config)).seal(token, SealedIn.slackToken(accountId)),
    },
    nowIso(),
  );
  return { ok: true, connection };
}

async function openToken(config: Config, connection: SlackConnectionRow): Promise<string> {
  return (await secretBoxFor(config)).open(connection.tokenSealed, SealedIn.slackToken(connection.accountId));
}

/** Tests the account's connection: auth.test with the stored token. */
export async function testSlackConnection(ctx: AccountCaller): Promise<z.infer<typeof SlackTestResult>> {
  const { db, config, accountId } = ctx;
  const app = requireSlackApp(config);
  const connection = await findSlackConnection(db, accountId);
  if (!connection) return { has_configuration: false };
  const call = await authTest(app.apiBase, await openToken(config, connection), SLACK_API_TIMEOUT_MS);
  if (!call.ok) {
    if (isDeadTokenError(call.error)) await markSlackConnectionBroken(db, accountId, connection.tokenSealed, call.error!, nowIso());
    return { has_configuration: true, error: call.error ?? "unknown error" };
  }
  const d = call.data!;
  return { has_configuration: true, test_response: { url: String(d.url ?? ""), team: String(d.team ?? connection.teamName) } };
}

export async function getSlackConnection(ctx: AccountCaller): Promise<SlackConnectionRow> {
  requireSlackApp(ctx.config);
  const connection = await findSlackConnection(ctx.db, ctx.accountId);
  if (!connection) throw ApiError.notFound("Slack connection");
  return connection;
}

/**
 * Disconnects: asks Slack to revoke the token (best effort: a token Slack already refuses is as good
 * as revoked), then forgets it. Slack hooks of the account fail until a workspace is connected again.
 */
export async function disconnectSlack(ctx: AccountCaller): Promise<{ connection: SlackConnectionRow; tokenRevoked: boolean }> {
  const { db, config, accountId } = ctx;
  const app = requireSlackApp(config);
  const connection = await findSlackConnection(db, accountId);
  if (!connection) throw ApiError.notFound("Slack connection");
  const revoke = await authRevoke(app.apiBase, await openToken(config, connection), SLACK_API_TIMEOUT_MS);
  const deleted = await deleteSlackConnection(db, accountId);
  if (!deleted) throw ApiError.notFound("Slack connection");
  return { connection: deleted, tokenRevoked: revoke.ok };
}
