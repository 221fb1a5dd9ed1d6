import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { portalTokenKey, signPortalToken } from "../../src/domain/portal-token";
import { signClaims } from "../../src/domain/signed-claims";
import { oauthStateKey } from "../../src/domain/slack-oauth-state";
import { ADMIN_TOKEN, call, expectErrorShape, newAccount } from "../helpers/api";

// A portal session token stands in for the API key that minted it, on the portal's routes only,
// until it expires or the key is revoked; a forged or expired one gets nothing.

const OTHER_ENCRYPTION_KEY = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

describe("POST /v1/portal-sessions", () => {
  let acc: { accountId: string; key: string; keyId: string };
  let hookId: string;

  beforeAll(async () => {
    acc = await newAccount("portal");
    const hook = await call("POST", "/v1/hooks", { token: acc.key, body: { name: "site", url: "https://example.com/site" } });
    hookId = hook.body.id;
  });

  it("answers a portal link whose token lists and manages the account's hooks like its key", async () => {
    const before = Date.now();
    const res = await call("POST", "/v1/portal-sessions", { token: acc.key, body: { expires_in: 600 } });
    expect(res.status).toBe(201);
    const { url, token, expires_at, applications } = res.body;
    expect(token).toMatch(/^hrp_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(token).not.toContain(acc.key.slice(4));
    expect(url).toBe(`http://hookrouter.test/portal#token=${token}`); // in the fragment: never sent to a server
    expect(applications).toBeNull();
    const expires = Date.parse(expires_at);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 600_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 600_000);

    const list = await call("GET", "/v1/hooks", { token });
    expect(list.status).toBe(200);
    expect(list.body.data.map((h: { id: string }) => h.id)).toEqual([hookId]);
    const created = await call("POST", "/v1/hooks", { token, body: { name: "from-portal", url: "https://example.com/p" } });
    expect(created.status).toBe(201);
    expect(created.body.created_by).toBe(acc.keyId); // the minting key, as for its own calls
    expect((await call("GET", "/v1/stats", { token })).status).toBe(200);
    expect((await call("GET", "/v1/event-types", { token })).status).toBe(200);
  });

  it("defaults to one hour, and refuses bad bodies", async () => {
    const res = await call("POST", "/v1/portal-sessions", { token: acc.key });
    expect(res.status).toBe(201);
    expect(Math.abs(Date.parse(res.body.expires_at) - (Date.now() + 3_600_000))).toBeLessThan(5_000);
    expectErrorShape(await call("POST", "/v1/portal-sessions", { token: acc.key, body: { expires_in: 59 } }), 400, "validation_failed");
    expectErrorShape(await call("POST", "/v1/portal-sessions", { token: acc.key, body: { expires_in: 86_401 } }), 400, "validation_failed");
    expectErrorShape(await call("POST", "/v1/portal-sessions", { token: acc.key, body: { applications: [] } }), 400, "validation_failed");
    expectErrorShape(await call("POST", "/v1/portal-sessions", { token: acc.key, body: { admin: true } }), 400, "validation_failed");
  });

  it("gives an expired or forged token no data", async () => {
    const key = await portalTokenKey(env.ENCRYPTION_KEY!);
    const claims = { accountId: acc.accountId, keyId: acc.keyId, applications: null, expiresAt: Math.floor(Date.now() / 1000) + 600 };
    const good = await signPortalToken(key, claims);
    const expired = await signPortalToken(key, { ...claims, expiresAt: Math.floor(Date.now() / 1000) - 1 });
    const otherKey = await signPortalToken(await portalTokenKey(OTHER_ENCRYPTION_KEY), claims);
    const [body, sig] = good.slice(4).split(".");
    const stranger = await newAccount("stranger");
    const claimsFor = (c: object) => btoa(JSON.stringify(c)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const otherAccount = `hrp_${claimsFor({ a: stranger.accountId, k: acc.keyId, p: null, e: claims.expiresAt })}.${sig}`;
    const longer = `hrp_${claimsFor({ a: acc.accountId, k: acc.keyId, p: null, e: claims.expiresAt + 86_400 })}.${sig}`;
    const flipped = `hrp_${body}.${sig!.startsWith("A") ? "B" : "A"}${sig!.slice(1)}`;
    // the Slack OAuth state is signed with the same encryption key but another label: not a portal token
    // (Slack is configured in this project, so a connect URL, and its state, is always there)
    const connect = await call("GET", "/v1/slack/connect-url", { token: acc.key });
    expect(connect.status, JSON.stringify(connect.body)).toBe(200);
    const slackState = new URL(connect.body.url).searchParams.get("state");
    expect(slackState).toMatch(/\S/);
    // and a portal's claims signed with the Slack state's key (another label of the same encryption key)
    const wrongLabel = `hrp_${await signClaims(await oauthStateKey(env.ENCRYPTION_KEY!), { a: acc.accountId, k: acc.keyId, p: null, e: claims.expiresAt })}`;

    expect((await call("GET", "/v1/hooks", { token: good })).status).toBe(200);
    const refused = [expired, otherKey, otherAccount, longer, flipped, `hrp_${body}`, "hrp_", `hrp_${body}.${sig}.x`, `hrp_${slackState}`, wrongLabel];
    for (const token of refused) {
      for (const path of ["/v1/hooks", `/v1/hooks/${hookId}`, "/v1/deliveries", "/v1/stats"]) {
        const res = await call("GET", path, { token });
        expectErrorShape(res, 401, "unauthorized");
        expect(JSON.stringify(res.body)).not.toContain(hookId);
      }
    }
    const res = await call("GET", "/v1/hooks", { token: expired });
    expect(res.body.error.message).toMatch(/expired/);
  });

  it("opens only the portal's routes", async () => {
    const { token } = (await call("POST", "/v1/portal-sessions", { token: acc.key })).body;
    const closed: Array<[string, string, unknown?]> = [
      ["POST", "/v1/portal-sessions", {}],
      ["POST", "/v1/events", { type: "x.y", payload: {} }],
      ["GET", "/v1/events"],
      ["PUT", "/v1/event-types/x.y", { description: "" }],
      ["DELETE", "/v1/event-types/x.y"],
      ["GET", "/v1/hooks/active?event=x.y"],
      ["GET", "/v1/hooks/name-available?name=x"],
      ["POST", "/v1/gates/x.y", { payload: {} }],
      ["GET", "/v1/slack/connect-url"],
      ["GET", `/v1/accounts/${acc.accountId}`],
    ];
    for (const [method, path, body] of closed) {
      const res = await call(method, path, { token, body });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    // No such route: 404 for any caller, as for one with no credential at all.
    expectErrorShape(await call("POST", `/v1/hooks/${hookId}/nothing`, { token }), 404, "not_found");
  });

  it("stops working once the key that minted it is revoked", async () => {
    const fresh = await call("POST", `/v1/accounts/${acc.accountId}/keys`, { token: ADMIN_TOKEN, body: { name: "short-lived" } });
    const { token } = (await call("POST", "/v1/portal-sessions", { token: fresh.body.key })).body;
    expect((await call("GET", "/v1/hooks", { token })).status).toBe(200);
    expect((await call("DELETE", `/v1/accounts/${acc.accountId}/keys/${fresh.body.id}`, { token: ADMIN_TOKEN })).status).toBe(200);
    const res = await call("GET", "/v1/hooks", { token });
    expectErrorShape(res, 401, "unauthorized");
    expect(res.body.error.message).toMatch(/revoked/);
  });
});
