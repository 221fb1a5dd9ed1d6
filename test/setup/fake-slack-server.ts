import type http from "node:http";
import { randomBytes } from "node:crypto";
import { SLACK_TEST_APP } from "./slack-app";
import { serveOnLoopback } from "./loopback-server";

// A fake Slack for integration tests, run in Node (vitest globalSetup) and reached from the Workers
// runtime over 127.0.0.1. It speaks Slack's wire format and checks what Slack checks: the OAuth
// authorize parameters, a form-encoded oauth.v2.access with the app's client id and secret, a
// single-use code bound to its redirect URI, the bearer token (unknown → invalid_auth, revoked →
// token_revoked), the chat:write scope, and chat.postMessage's channel, text and Block Kit limits.
// Errors are HTTP 200 with {ok: false, error}, except rate limiting (HTTP 429 + Retry-After).
//
// Each test picks its own workspace (`team` on the authorize URL, as Slack's workspace picker
// does); the control API under /_control/<team> scripts, revokes and reads per workspace.

export interface ScriptedSlackAnswer {
  /** Answer ok:false with this Slack error code. */
  error?: string;
  /** Answer HTTP 429 `ratelimited` with this Retry-After (seconds). */
  retry_after?: number;
  /** Revoke the token before answering (the answer is then token_revoked). */
  revoke?: boolean;
}

export interface SlackCallRecord {
  at: number;
  method: string;
  token: string | null;
  content_type: string;
  body: Record<string, unknown>;
  /** What the fake answered. */
  answer: Record<string, unknown>;
  status: number;
}

interface Team {
  id: string;
  name: string;
  tokens: Map<string, { revoked: boolean; scope: string; botUserId: string }>;
  script: ScriptedSlackAnswer[];
  calls: SlackCallRecord[];
}

const CODE_TTL_MS = 10 * 60 * 1000;
const random = (n: number) => randomBytes(n).toString("hex");

export function startFakeSlack(port = 0): Promise<{ server: http.Server; port: number }> {
  const teams = new Map<string, Team>();
  const codes = new Map<string, { teamId: string; redirectUri: string; scope: string; issuedAt: number; used: boolean }>();
  const tokenTeam = new Map<string, string>();

  const team = (id: string): Team => {
    let t = teams.get(id);
    if (!t) {
      t = { id, name: `Workspace ${id}`, tokens: new Map(), script: [], calls: [] };
      teams.set(id, t);
    }
    return t;
  };

  return serveOnLoopback(port, (req, res, { body: raw, url, parts }) => {
    const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(value));
    };

    if (parts[0] === "_control" && parts[2]) {
      const t = team(parts[2]);
      if (parts[1] === "script" && req.method === "PUT") {
        t.script = (JSON.parse(raw || "{}") as { answers?: ScriptedSlackAnswer[] }).answers ?? [];
        return send(200, { ok: true });
      }
      if (parts[1] === "name" && req.method === "PUT") {
        t.name = (JSON.parse(raw || "{}") as { name?: string }).name ?? t.name;
        return send(200, { ok: true });
      }
      if (parts[1] === "revoke" && req.method === "POST") {
        for (const tok of t.tokens.values()) tok.revoked = true;
        return send(200, { ok: true });
      }
      if (parts[1] === "calls") return send(200, t.calls);
      if (parts[1] === "tokens") return send(200, [...t.tokens].map(([token, v]) => ({ token, ...v })));
      return send(404, { error: "unknown control call" });
    }

    // The browser side of OAuth: the user picks a workspace and approves (or cancels, `deny=1`).
    if (url.pathname === "/oauth/v2/authorize" && req.method === "GET") {
      const q = url.searchParams;
      const refuse = (why: string) => {
        res.writeHead(400, { "content-type": "text/plain" });
        res.end(why);
      };
      if (q.get("client_id") !== SLACK_TEST_APP.clientId) return refuse("invalid_client_id");
      if (q.get("redirect_uri") !== SLACK_TEST_APP.redirectUri) return refuse("bad_redirect_uri");
      if (!q.get("scope")) return refuse("invalid_scope");
      const back = new URL(q.get("redirect_uri")!);
      if (q.get("state") !== null) back.searchParams.set("state", q.get("state")!);
      if (q.get("deny") === "1") back.searchParams.set("error", "access_denied");
      else {
        const code = `${random(6)}.${random(12)}`;
        codes.set(code, { teamId: team(q.get("team") ?? `T${random(5).toUpperCase()}`).id, redirectUri: q.get("redirect_uri")!, scope: q.get("scope")!, issuedAt: Date.now(), used: false });
        back.searchParams.set("code", code);
      }
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }

    if (parts[0] !== "api" || !parts[1] || req.method !== "POST") return send(404, { ok: false, error: "unknown_method" });
    const method = parts[1];
    const contentType = req.headers["content-type"] ?? "";
    let body: Record<string, unknown>;
    if (contentType.startsWith("application/x-www-form-urlencoded")) body = Object.fromEntries(new URLSearchParams(raw));
    else if (contentType.startsWith("application/json")) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return send(200, { ok: false, error: "invalid_json" });
      }
    } else return send(200, { ok: false, error: "invalid_form_data" });

    if (method === "oauth.v2.access") {
      // Slack takes this call form-encoded only, never JSON.
      if (!contentType.startsWith("application/x-www-form-urlencoded")) return send(200, { ok: false, error: "invalid_arguments" });
      if (body.client_id !== SLACK_TEST_APP.clientId) return send(200, { ok: false, error: "invalid_client_id" });
      if (body.client_secret !== SLACK_TEST_APP.clientSecret) return send(200, { ok: false, error: "bad_client_secret" });
      const grant = codes.get(String(body.code ?? ""));
      if (!grant || grant.used || Date.now() - grant.issuedAt > CODE_TTL_MS) return send(200, { ok: false, error: "invalid_code" });
      if (body.redirect_uri !== grant.redirectUri) return send(200, { ok: false, error: "bad_redirect_uri" });
      grant.used = true;
      const t = team(grant.teamId);
      const token = `xoxb-${random(6)}-${random(6)}-${random(12)}`;
      const botUserId = `U${random(5).toUpperCase()}`;
      t.tokens.set(token, { revoked: false, scope: grant.scope, botUserId });
      tokenTeam.set(token, t.id);
      return send(200, {
        ok: true,
        access_token: token,
        token_type: "bot",
        scope: grant.scope,
        bot_user_id: botUserId,
        app_id: "A0FAKEAPP",
        team: { id: t.id, name: t.name },
        enterprise: null,
        authed_user: { id: `U${random(5).toUpperCase()}` },
      });
    }

    // Every other method authenticates with the bearer token (or a `token` form field).
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? (typeof body.token === "string" ? body.token : null);
    const t = bearer ? teams.get(tokenTeam.get(bearer) ?? "") : undefined;
    const record = (status: number, answer: Record<string, unknown>, headers: Record<string, string> = {}) => {
      t?.calls.push({ at: Date.now(), method, token: bearer, content_type: contentType, body, answer, status });
      return send(status, answer, headers);
    };
    if (!bearer) return record(200, { ok: false, error: "not_authed" });
    if (!t) return record(200, { ok: false, error: "invalid_auth" });
    const tok = t.tokens.get(bearer)!;

    if (method === "chat.postMessage" && t.script.length > 0) {
      const scripted = t.script.shift()!;
      if (scripted.revoke) tok.revoked = true;
      else if (scripted.retry_after !== undefined) return record(429, { ok: false, error: "ratelimited" }, { "retry-after": String(scripted.retry_after) });
      else if (scripted.error) return record(200, { ok: false, error: scripted.error });
    }
    if (tok.revoked) return record(200, { ok: false, error: "token_revoked" });

    if (method === "auth.test") {
      return record(200, { ok: true, url: `https://${t.id.toLowerCase()}.slack.com/`, team: t.name, user: "hookrouter", team_id: t.id, user_id: tok.botUserId, bot_id: "B0FAKEBOT", is_enterprise_install: false });
    }
    if (method === "auth.revoke") {
      tok.revoked = true;
      return record(200, { ok: true, revoked: true });
    }
    if (method === "chat.postMessage") {
      if (!tok.scope.split(",").includes("chat:write")) return record(200, { ok: false, error: "missing_scope", needed: "chat:write" });
      const channel = body.channel;
      if (typeof channel !== "string" || !/^[A-Z0-9]+$/.test(channel)) return record(200, { ok: false, error: "channel_not_found" });
      const blocks = body.blocks;
      if (blocks === undefined && typeof body.text !== "string") return record(200, { ok: false, error: "no_text" });
      const invalid = blocks === undefined ? null : blockKitProblem(blocks);
      if (invalid) return record(200, { ok: false, error: "invalid_blocks", errors: [invalid] });
      const ts = `${Math.floor(Date.now() / 1000)}.${random(3)}`;
      return record(200, { ok: true, channel, ts, message: { type: "message", text: body.text, blocks, bot_id: "B0FAKEBOT", ts } });
    }
    return record(200, { ok: false, error: "unknown_method" });
  });
}

/** Slack's Block Kit limits for the block types hookrouter sends; null when the blocks are valid. */
function blockKitProblem(blocks: unknown): string | null {
  if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > 50) return "blocks must be an array of 1 to 50 blocks";
  for (const [i, b] of blocks.entries()) {
    const block = b as { type?: string; text?: { type?: string; text?: string }; fields?: Array<{ type?: string; text?: string }>; elements?: unknown[] };
    const textOk = (t: { type?: string; text?: string } | undefined, max: number, types: string[]) =>
      !!t && types.includes(t.type ?? "") && typeof t.text === "string" && t.text.length > 0 && t.text.length <= max;
    if (block.type === "header") {
      if (!textOk(block.text, 150, ["plain_text"])) return `blocks[${i}]: header text must be plain_text of 1..150 characters`;
    } else if (block.type === "section") {
      if (!block.text && !block.fields) return `blocks[${i}]: a section needs text or fields`;
      if (block.text && !textOk(block.text, 3000, ["plain_text", "mrkdwn"])) return `blocks[${i}]: section text must be 1..3000 characters`;
      if (block.fields && (block.fields.length > 10 || !block.fields.every((f) => textOk(f, 2000, ["plain_text", "mrkdwn"])))) {
        return `blocks[${i}]: at most 10 fields of 1..2000 characters`;
      }
    } else if (block.type === "context") {
      if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 10) return `blocks[${i}]: context needs 1..10 elements`;
    } else return `blocks[${i}]: unsupported block type ${String(block.type)}`;
  }
  return null;
}
