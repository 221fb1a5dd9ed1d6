import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { oauthStateKey, signOAuthState } from "../../src/domain/slack-oauth-state";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { sha256Hex } from "../../src/crypto/encoding";
import { browse, browser, Browser, FakeSlackTeam } from "../helpers/fake-slack";
import { SLACK_TEST_APP } from "../setup/slack-app";

const db = (env as unknown as { DB: D1Database }).DB;
const ENCRYPTION_KEY = (env as unknown as { ENCRYPTION_KEY: string }).ENCRYPTION_KEY;

async function connectionRow(accountId: string) {
  return db.prepare("select * from slack_connections where account_id = ?").bind(accountId).first<Record<string, string | null>>();
}

/** A connect URL asked for by the test's browser (which keeps the answer's cookie). */
async function connectUrl(key: string, asker: Browser = browser): Promise<URL> {
  const res = await asker.connectUrl(key);
  expect(res.status).toBe(200);
  return new URL(res.body.url);
}

/** The state of a connect URL, and its claims (the part before the signature). */
function stateOf(url: URL): { state: string; claims: { n: string; a: string; e: number; b: string; r: boolean } } {
  const state = url.searchParams.get("state")!;
  const body = state.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/");
  return { state, claims: JSON.parse(atob(body + "=".repeat((4 - (body.length % 4)) % 4))) };
}

describe("Slack connection (OAuth against a fake Slack)", () => {
  it("builds a connect URL with the client id, the chat:write scope, the redirect URI and a signed 10-minute state", async () => {
    const { key, accountId } = await newAccount();
    const url = await connectUrl(key);
    expect(url.pathname).toBe("/oauth/v2/authorize");
    expect(url.searchParams.get("client_id")).toBe(SLACK_TEST_APP.clientId);
    expect(url.searchParams.get("scope")).toBe("chat:write");
    expect(url.searchParams.get("redirect_uri")).toBe(SLACK_TEST_APP.redirectUri);
    const { claims } = stateOf(url);
    expect(claims.a).toBe(accountId);
    expect(claims.e - Date.now() / 1000).toBeGreaterThan(590);
    expect(claims.e - Date.now() / 1000).toBeLessThanOrEqual(600);
    const nonce = await db.prepare("select * from slack_oauth_states where nonce = ?").bind(claims.n).first<Record<string, string | null>>();
    expect(nonce).toMatchObject({ account_id: accountId, used_at: null });
    // Bound to this browser: the cookie only the callback receives carries the secret whose hash is in the state.
    const cookie = browser.setCookies.at(-1)!;
    const [name, secret] = cookie.split(";")[0]!.split("=") as [string, string];
    expect(name).toBe("hookrouter_slack_oauth");
    expect(cookie.split(/;\s*/).slice(1).sort()).toEqual(["HttpOnly", "Max-Age=600", "Path=/v1/slack/oauth/callback", "SameSite=Lax", "Secure"]);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(claims.b).toBe(await sha256Hex(secret));
    expect(claims.r).toBe(false);
  });

  it("connects: the callback exchanges the code, stores the bot token sealed, and auth.test answers through /v1/slack/test", async () => {
    const { key, accountId } = await newAccount();
    const slack = new FakeSlackTeam();
    expect(await call("POST", "/v1/slack/test", { token: key })).toMatchObject({ status: 200, body: { has_configuration: false } });

    const { status, page } = await slack.connect(key);
    expect(status).toBe(200);
    expect(page).toContain("Slack connected");
    expect(page).toContain(slack.name);

    // The fake only answered oauth.v2.access to a form-encoded request with the app's id and secret.
    const [token] = await slack.tokens();
    expect(token!.token).toMatch(/^xoxb-/);
    const row = await connectionRow(accountId);
    expect(row).toMatchObject({ team_id: slack.id, team_name: slack.name, status: "connected", error: null });
    expect(row!.token_sealed).toMatch(/^v2\.[0-9a-f]{8}\./);
    const everything = JSON.stringify(await db.prepare("select * from slack_connections").all());
    expect(everything).not.toContain(token!.token);
    expect(everything).not.toContain(token!.token.slice(5));

    const tested = await call("POST", "/v1/slack/test", { token: key });
    expect(tested.status).toBe(200);
    expect(tested.body).toEqual({ has_configuration: true, test_response: { url: `https://${slack.id.toLowerCase()}.slack.com/`, team: slack.name } });
    const authTests = await slack.calls("auth.test");
    expect(authTests).toHaveLength(1);
    expect(authTests[0]!.token).toBe(token!.token);

    const conn = await call("GET", "/v1/slack/connection", { token: key });
    expect(conn.body).toMatchObject({ team_id: slack.id, team_name: slack.name, status: "connected" });
    expect(JSON.stringify(conn.body)).not.toContain("xoxb");
  });

  it("reconnecting with replace=true replaces the token (and the workspace)", async () => {
    const { key, accountId } = await newAccount();
    const first = new FakeSlackTeam();
    const second = new FakeSlackTeam();
    expect((await first.connect(key)).status).toBe(200);
    const before = await connectionRow(accountId);
    expect((await second.connect(key, { replace: true })).status).toBe(200);
    const after = await connectionRow(accountId);
    expect(after).toMatchObject({ team_id: second.id, team_name: second.name, status: "connected" });
    expect(after!.token_sealed).not.toBe(before!.token_sealed);
    expect(after!.created_at).toBe(before!.created_at);
    expect((await db.prepare("select count(*) as n from slack_connections where account_id = ?").bind(accountId).first<{ n: number }>())!.n).toBe(1);
    await call("POST", "/v1/slack/test", { token: key });
    expect(await first.calls("auth.test")).toHaveLength(0);
    expect(await second.calls("auth.test")).toHaveLength(1);
  });

  it("refuses a forged state (changed claims or signature) and stores nothing", async () => {
    const { key, accountId } = await newAccount();
    const victim = await newAccount("victim");
    const slack = new FakeSlackTeam();
    const url = await connectUrl(key);
    const { callbackPath } = await slack.authorize(url.toString());
    const back = new URL(callbackPath, "http://x");
    const state = back.searchParams.get("state")!;
    const [body, sig] = state.split(".") as [string, string];

    const claims = stateOf(url).claims;
    const otherBody = btoa(JSON.stringify({ ...claims, a: victim.accountId })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    for (const forged of [`${otherBody}.${sig}`, `${body}.${sig.slice(0, -4)}AAAA`, "not-a-state", `${body}`]) {
      back.searchParams.set("state", forged);
      const res = await browse(back.pathname + back.search);
      expect(res.status, forged).toBe(400);
      expect(String(res.body)).toContain("not issued by hookrouter");
    }
    back.searchParams.delete("state");
    expect((await browse(back.pathname + back.search)).status).toBe(400);
    expect(await connectionRow(accountId)).toBeNull();
    expect(await connectionRow(victim.accountId)).toBeNull();
    // The code never reached Slack's token endpoint: nothing was issued.
    expect(await slack.tokens()).toHaveLength(0);

    // The genuine state still works once.
    back.searchParams.set("state", state);
    expect((await browse(back.pathname + back.search)).status).toBe(200);
    expect(await connectionRow(accountId)).toMatchObject({ team_id: slack.id });
  });

  it("refuses a replayed state: a connect URL works once", async () => {
    const { key, accountId } = await newAccount();
    const slack = new FakeSlackTeam();
    const url = await connectUrl(key);
    const firstTrip = await slack.authorize(url.toString());
    const secondTrip = await slack.authorize(url.toString()); // same state, a fresh code
    expect((await browse(firstTrip.callbackPath)).status).toBe(200);
    const replay = await browse(secondTrip.callbackPath);
    expect(replay.status).toBe(400);
    expect(String(replay.body)).toContain("already used");
    expect(await slack.tokens()).toHaveLength(1);
    expect((await connectionRow(accountId))!.team_id).toBe(slack.id);
  });

  it("refuses an expired state, and a validly signed state whose nonce belongs to another account", async () => {
    const alice = await newAccount("alice");
    const mallory = await newAccount("mallory");
    const slack = new FakeSlackTeam();
    const key = await oauthStateKey(ENCRYPTION_KEY);

    // Expired: signed correctly, nonce real and unused, but past its 10 minutes.
    const aliceUrl = await connectUrl(alice.key);
    const aliceClaims = stateOf(aliceUrl).claims;
    const expired = await signOAuthState(key, {
      nonce: aliceClaims.n,
      accountId: alice.accountId,
      expiresAt: Math.floor(Date.now() / 1000) - 1,
      browserHash: aliceClaims.b,
      replace: false,
    });
    const trip = await slack.authorize(aliceUrl.toString());
    const expiredPath = trip.callbackPath.replace(/state=[^&]+/, `state=${encodeURIComponent(expired)}`);
    const expiredAnswer = await browse(expiredPath);
    expect(expiredAnswer.status).toBe(400);
    expect(String(expiredAnswer.body)).toContain("expired");

    // Other account: Alice's nonce presented as Mallory's (the signature is valid: only the nonce
    // record, which belongs to Alice, can tell). Mallory must not get Alice's workspace.
    const crossed = await signOAuthState(key, { nonce: aliceClaims.n, accountId: mallory.accountId, expiresAt: aliceClaims.e, browserHash: aliceClaims.b, replace: false });
    const crossedAnswer = await browse(trip.callbackPath.replace(/state=[^&]+/, `state=${encodeURIComponent(crossed)}`));
    expect(crossedAnswer.status).toBe(400);
    expect(String(crossedAnswer.body)).toContain("does not belong to that account");
    expect(await connectionRow(mallory.accountId)).toBeNull();
    expect(await connectionRow(alice.accountId)).toBeNull();
    expect(await slack.tokens()).toHaveLength(0);

    // Mallory's own, genuine state connects Mallory, never Alice.
    expect((await slack.connect(mallory.key)).status).toBe(200);
    expect(await connectionRow(mallory.accountId)).toMatchObject({ team_id: slack.id });
    expect(await connectionRow(alice.accountId)).toBeNull();
  });

  it("explains a cancelled authorization and a code Slack refuses, and uses the state up either way", async () => {
    const { key, accountId } = await newAccount();
    const slack = new FakeSlackTeam();
    const denied = await slack.authorize((await connectUrl(key)).toString(), { deny: true });
    const deniedPage = await browse(denied.callbackPath);
    expect(deniedPage.status).toBe(400);
    expect(String(deniedPage.body)).toContain("access_denied");
    expect(deniedPage.headers.get("content-type")).toContain("text/html");

    const trip = await slack.authorize((await connectUrl(key)).toString());
    const badCode = trip.callbackPath.replace(/code=[^&]+/, "code=made-up-code");
    const refused = await browse(badCode);
    expect(refused.status).toBe(400); // a code Slack does not accept is bad input, not an upstream failure
    expect(String(refused.body)).toContain("invalid_code");
    expect((await browse(trip.callbackPath)).status).toBe(400); // that state is spent
    expect(await connectionRow(accountId)).toBeNull();
  });

  it("escapes the workspace name in the page and keeps the page out of caches and Referer headers", async () => {
    const { key } = await newAccount();
    const slack = new FakeSlackTeam();
    await slack.rename(`<script>alert("x")</script> & Co`);
    const url = await connectUrl(key);
    const { callbackPath } = await slack.authorize(url.toString());
    const res = await browse(callbackPath);
    expect(res.status).toBe(200);
    expect(String(res.body)).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co");
    expect(String(res.body)).not.toContain("<script>");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("disconnects: revokes the token at Slack and forgets it", async () => {
    const { key, accountId } = await newAccount();
    const slack = new FakeSlackTeam();
    await slack.connect(key);
    const res = await call("DELETE", "/v1/slack/connection", { token: key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ team_id: slack.id, team_name: slack.name, token_revoked: true });
    expect((await slack.tokens())[0]!.revoked).toBe(true);
    expect(await connectionRow(accountId)).toBeNull();
    expect((await call("POST", "/v1/slack/test", { token: key })).body).toEqual({ has_configuration: false });
    expectErrorShape(await call("DELETE", "/v1/slack/connection", { token: key }), 404, "not_found");
    expectErrorShape(await call("GET", "/v1/slack/connection", { token: key }), 404, "not_found");
  });

  it("answers programs (no Accept: text/html) with JSON: the connection, or the API's error shape", async () => {
    const { key, accountId } = await newAccount();
    const slack = new FakeSlackTeam();
    const trip = await slack.authorize((await connectUrl(key)).toString());
    const forged = await call("GET", trip.callbackPath.replace(/state=[^&.]+/, "state=eyJhIjoiYiJ9"));
    expectErrorShape(forged, 400, "validation_failed");
    expect(forged.body.error.message).toContain("not issued by hookrouter");
    expectErrorShape(await call("GET", "/v1/slack/oauth/callback"), 400, "validation_failed");

    const ok = await browser.get(trip.callbackPath, { json: true });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ team_id: slack.id, team_name: slack.name, status: "connected", error: null });
    expect(JSON.stringify(ok.body)).not.toContain("xoxb");
    expect(await connectionRow(accountId)).toMatchObject({ team_id: slack.id });
    expectErrorShape(await browser.get(trip.callbackPath, { json: true }), 400, "validation_failed"); // replayed
  });

  it("documents the Slack routes in /openapi.json, the callback without an API key", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/v1/slack/")).sort()).toEqual([
      "/v1/slack/connect-url",
      "/v1/slack/connection",
      "/v1/slack/oauth/callback",
      "/v1/slack/test",
    ]);
    expect(doc.paths["/v1/slack/oauth/callback"].get.security).toEqual([]); // stated: no credential
    expect(doc.paths["/v1/slack/connect-url"].get.security).toEqual([{ bearer: ["slack:write"] }]);
    expect(Object.keys(doc.paths["/v1/slack/connection"]).sort()).toEqual(["delete", "get"]);
  });

  it("a connection test with a revoked token reports Slack's error and marks the connection broken", async () => {
    const { key } = await newAccount();
    const slack = new FakeSlackTeam();
    await slack.connect(key);
    await slack.revokeAll();
    const tested = await call("POST", "/v1/slack/test", { token: key });
    expect(tested.body).toEqual({ has_configuration: true, error: "token_revoked" });
    expect((await call("GET", "/v1/slack/connection", { token: key })).body).toMatchObject({ status: "broken", error: "token_revoked" });
    // Connecting again (replacing the broken connection) repairs it.
    await slack.connect(key, { replace: true });
    expect((await call("GET", "/v1/slack/connection", { token: key })).body).toMatchObject({ status: "connected", error: null });
    expect((await call("POST", "/v1/slack/test", { token: key })).body.test_response.team).toBe(slack.name);
  });

  it("a connect link completed in another browser (sent to a Slack admin, or leaked) connects nothing, and never reaches Slack's token endpoint", async () => {
    const attacker = await newAccount("attacker");
    const slack = new FakeSlackTeam();
    const attackersBrowser = new Browser();
    const url = await connectUrl(attacker.key, attackersBrowser);
    const trip = await slack.authorize(url.toString()); // the victim approves in their own browser

    const victimsBrowser = new Browser();
    await victimsBrowser.connectUrl((await newAccount("victim")).key); // holding a cookie of its own flow changes nothing
    for (const someoneElse of [victimsBrowser, new Browser()]) {
      const page = await someoneElse.get(trip.callbackPath);
      expect(page.status).toBe(403);
      expect(String(page.body)).toContain("started in another browser");
      expectErrorShape(await someoneElse.get(trip.callbackPath, { json: true }), 403, "forbidden");
    }
    expectErrorShape(await call("GET", trip.callbackPath), 403, "forbidden");
    expect(await connectionRow(attacker.accountId)).toBeNull();
    expect(await slack.tokens()).toHaveLength(0);
    // The browser that asked for the link can still use it: the refusals spent nothing.
    expect((await attackersBrowser.get(trip.callbackPath)).status).toBe(200);
  });

  it("replacing a connection is an explicit choice: without replace=true, 409 when connecting and at the callback", async () => {
    const { key, accountId } = await newAccount();
    const current = new FakeSlackTeam();
    const other = new FakeSlackTeam();
    // A link asked for before the account had a connection, kept unused.
    const early = await other.authorize((await connectUrl(key)).toString());
    const earlyBrowserCookie = browser.setCookies.at(-1)!;
    const own = new Browser();
    expect((await current.connect(key, { browser: own })).status).toBe(200);

    const refused = await browser.connectUrl(key);
    expectErrorShape(refused, 409, "conflict");
    expect(refused.body.error.message).toContain(`"${current.name}" connected: ask for a connect URL with replace=true`);
    // The early link, in the browser that asked for it: refused, the connection and its token untouched.
    expect(browser.setCookies.at(-1)).toBe(earlyBrowserCookie);
    const late = await browse(early.callbackPath);
    expect(late.status).toBe(409);
    expect(String(late.body)).toContain("replace=true");
    expect(await connectionRow(accountId)).toMatchObject({ team_id: current.id });
    expect(await other.tokens()).toHaveLength(0);

    expect((await browser.connectUrl(key, { replace: true })).status).toBe(200);
    expectErrorShape(await call("GET", "/v1/slack/connect-url?replace=maybe", { token: key }), 400, "validation_failed");
  });
});
