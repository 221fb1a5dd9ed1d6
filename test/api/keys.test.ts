import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/crypto/encoding";
import { API_KEY_LOOKUP_LENGTH, newApiKey } from "../../src/domain/api-key";
import { ADMIN_TOKEN, call, expectErrorShape, newAccount } from "../helpers/api";

// Scoped API keys (src/domain/api-scopes.ts): the admin grants scopes and applications, a key mints
// and revokes keys no stronger than itself (/v1/keys), and keys without scopes keep full access.
// The 403 of every route for every scope is walked in authentication.test.ts.

async function adminKey(accountId: string, body: Record<string, unknown>) {
  return call("POST", `/v1/accounts/${accountId}/keys`, { token: ADMIN_TOKEN, body: { name: "k", ...body } });
}

describe("scoped API keys", () => {
  it("the admin grants scopes and applications; listings show them; unknown or empty scopes are a 400", async () => {
    const { accountId, key, keyId } = await newAccount("keys-admin");
    const made = await adminKey(accountId, { scopes: ["hooks:read", "events:publish", "hooks:read"], applications: ["alpha"] });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ scopes: ["hooks:read", "events:publish"], applications: ["alpha"], revoked_at: null });
    expect(made.body.key).toMatch(/^hrk_/);

    const listed = await call("GET", `/v1/accounts/${accountId}/keys`, { token: ADMIN_TOKEN });
    expect(listed.body.data.find((k: any) => k.id === made.body.id)).toMatchObject({ scopes: ["hooks:read", "events:publish"], applications: ["alpha"] });
    expect(listed.body.data.find((k: any) => k.id === keyId)).toMatchObject({ scopes: null, applications: null });
    const own = await call("GET", "/v1/keys", { token: key });
    expect(own.status).toBe(200);
    expect(own.body.data.map((k: any) => k.id).sort()).toEqual([keyId, made.body.id].sort());
    expect(JSON.stringify(own.body)).not.toContain(made.body.key);

    const unknown = await adminKey(accountId, { scopes: ["hooks:read", "hooks:admin"] });
    expectErrorShape(unknown, 400, "validation_failed");
    expect(unknown.body.error.details[0].path).toBe("scopes.1");
    expectErrorShape(await adminKey(accountId, { scopes: [] }), 400, "validation_failed");
    expectErrorShape(await adminKey(accountId, { applications: ["has space"] }), 400, "validation_failed");
    expectErrorShape(await call("POST", "/v1/keys", { token: key, body: { name: "x", scopes: ["everything"] } }), 400, "validation_failed");
  });

  it("a key made before scopes (NULL columns, as the migration leaves them) keeps full access", async () => {
    const { accountId } = await newAccount("keys-legacy");
    const token = newApiKey();
    await env.DB.prepare("INSERT INTO api_keys (id, account_id, name, prefix, key_hash, created_at) VALUES (?, ?, 'legacy', ?, ?, ?)")
      .bind("key_legacy0000000000000000", accountId, token.slice(0, API_KEY_LOOKUP_LENGTH), await sha256Hex(token), new Date().toISOString())
      .run();
    const listed = await call("GET", "/v1/keys", { token });
    expect(listed.status).toBe(200);
    expect(listed.body.data[0]).toMatchObject({ id: "key_legacy0000000000000000", scopes: null, applications: null });
    expect((await call("POST", "/v1/hooks", { token, body: { name: "legacy-hook", url: "https://example.com/h", events: ["never.sent"] } })).status).toBe(201);
    expect((await call("POST", "/v1/events", { token, body: { type: "x", payload: {}, applications: ["any"] } })).status).toBe(202);
    // It may mint any key, full access included.
    const minted = await call("POST", "/v1/keys", { token, body: { name: "child" } });
    expect(minted.status).toBe(201);
    expect(minted.body).toMatchObject({ scopes: null, applications: null });
  });

  it("a key mints only keys within its own scopes and applications (403 otherwise); left out, they are its own", async () => {
    const { accountId } = await newAccount("keys-subset");
    const minter = (await adminKey(accountId, { scopes: ["keys:write", "keys:read", "hooks:read"], applications: ["alpha", "beta"] })).body.key;

    const narrower = await call("POST", "/v1/keys", { token: minter, body: { name: "reader", scopes: ["hooks:read"], applications: ["alpha"] } });
    expect(narrower.status).toBe(201);
    expect(narrower.body).toMatchObject({ scopes: ["hooks:read"], applications: ["alpha"] });
    expect(narrower.body.key).toMatch(/^hrk_/);
    // The minted key holds what it was given: reading hooks yes, writing them no.
    expect((await call("GET", "/v1/hooks", { token: narrower.body.key })).status).toBe(200);
    expectErrorShape(await call("POST", "/v1/hooks", { token: narrower.body.key, body: { url: "https://example.com/h" } }), 403, "insufficient_scope");

    const inherited = await call("POST", "/v1/keys", { token: minter, body: { name: "same" } });
    expect(inherited.status).toBe(201);
    expect(inherited.body).toMatchObject({ scopes: ["keys:write", "keys:read", "hooks:read"], applications: ["alpha", "beta"] });

    const stronger = await call("POST", "/v1/keys", { token: minter, body: { name: "writer", scopes: ["hooks:read", "hooks:write"] } });
    expectErrorShape(stronger, 403, "forbidden");
    expect(stronger.body.error.details[0].path).toBe("scopes");
    expect(stronger.body.error.message).toContain("hooks:write");
    const elsewhere = await call("POST", "/v1/keys", { token: minter, body: { name: "gamma", scopes: ["hooks:read"], applications: ["alpha", "gamma"] } });
    expectErrorShape(elsewhere, 403, "forbidden");
    expect(elsewhere.body.error.details[0].path).toBe("applications");
    expect(elsewhere.body.error.message).toContain("gamma");
    // Nothing was made by the refused calls.
    expect((await call("GET", "/v1/keys", { token: minter })).body.data).toHaveLength(4); // the account's first key, the minter and the two it made
  });

  it("a key revokes keys of its account no stronger than itself; another account's key is 404", async () => {
    const { accountId, key: full, keyId: fullId } = await newAccount("keys-revoke");
    const other = await newAccount("keys-revoke-other");
    const manager = (await adminKey(accountId, { scopes: ["keys:write", "hooks:read"] })).body.key;
    const reader = await adminKey(accountId, { scopes: ["hooks:read"] });

    expectErrorShape(await call("DELETE", `/v1/keys/${fullId}`, { token: manager }), 403, "forbidden");
    expectErrorShape(await call("DELETE", `/v1/keys/${other.keyId}`, { token: full }), 404, "not_found");
    const revoked = await call("DELETE", `/v1/keys/${reader.body.id}`, { token: manager });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    expectErrorShape(await call("GET", "/v1/hooks", { token: reader.body.key }), 401, "unauthorized");
    expectErrorShape(await call("DELETE", `/v1/keys/${reader.body.id}`, { token: manager }), 404, "not_found");
    // The refused revocations changed nothing.
    expect((await call("GET", "/v1/hooks", { token: full })).status).toBe(200);
    expect((await call("GET", "/v1/hooks", { token: other.key })).status).toBe(200);
  });

  it("a key bound to applications opens portal sessions for them only", async () => {
    const { accountId } = await newAccount("keys-portal");
    const bound = (await adminKey(accountId, { scopes: ["portal-sessions:write"], applications: ["alpha", "beta"] })).body.key;
    const own = await call("POST", "/v1/portal-sessions", { token: bound });
    expect(own.status).toBe(201);
    expect(own.body.applications).toEqual(["alpha", "beta"]);
    const some = await call("POST", "/v1/portal-sessions", { token: bound, body: { applications: ["beta"] } });
    expect(some.body.applications).toEqual(["beta"]);
    const other = await call("POST", "/v1/portal-sessions", { token: bound, body: { applications: ["beta", "gamma"] } });
    expectErrorShape(other, 403, "forbidden");
    expect(other.body.error.message).toContain("gamma");
    // The session follows the portal's rules, not the key's scopes: it lists hooks the key could not.
    expect((await call("GET", "/v1/hooks", { token: own.body.token })).status).toBe(200);
    expectErrorShape(await call("GET", "/v1/hooks", { token: bound }), 403, "insufficient_scope");
  });

  it("a key bound to applications calls gates for them only", async () => {
    const { accountId } = await newAccount("keys-gates");
    const bound = (await adminKey(accountId, { scopes: ["gates:call"], applications: ["alpha"] })).body.key;
    const refused = await call("POST", "/v1/gates/deploy", { token: bound, body: { payload: {}, applications: ["gamma"] } });
    expectErrorShape(refused, 403, "forbidden");
    expect(refused.body.error.details[0].path).toBe("applications");
    // Its own application (named or not): no gate is configured, so the call is approved.
    expect((await call("POST", "/v1/gates/deploy", { token: bound, body: { payload: {}, applications: ["alpha"] } })).status).toBe(200);
    expect((await call("POST", "/v1/gates/deploy", { token: bound, body: { payload: {} } })).status).toBe(200);
  });
});
