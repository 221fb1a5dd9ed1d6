import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, expectErrorShape, newAccount } from "../helpers/api";

describe("accounts and API keys", () => {
  it("creates an account and reads it back with the admin token", async () => {
    const created = await call("POST", "/v1/accounts", { token: ADMIN_TOKEN, body: { name: "Vydon" } });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^acc_[0-9A-Z]{26}$/);
    expect(created.body.name).toBe("Vydon");
    const got = await call("GET", `/v1/accounts/${created.body.id}`, { token: ADMIN_TOKEN });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);
  });

  it("shows a key once, stores only its hash, and a revoked key answers 401 at once", async () => {
    const { accountId, key, keyId } = await newAccount();
    expect(key).toMatch(/^hrk_/);
    const list = await call("GET", `/v1/accounts/${accountId}/keys`, { token: ADMIN_TOKEN });
    expect(list.body.data).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect(list.body.data[0].prefix).toBe(key.slice(0, 12));
    const { env } = await import("cloudflare:workers");
    const row = await (env as any).DB.prepare("select key_hash from api_keys where id = ?").bind(keyId).first();
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.key_hash).not.toContain(key);

    expect((await call("GET", "/v1/hooks", { token: key })).status).toBe(200);
    const revoked = await call("DELETE", `/v1/accounts/${accountId}/keys/${keyId}`, { token: ADMIN_TOKEN });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toBeTruthy();
    expectErrorShape(await call("GET", "/v1/hooks", { token: key }), 401, "unauthorized");
    expectErrorShape(await call("DELETE", `/v1/accounts/${accountId}/keys/${keyId}`, { token: ADMIN_TOKEN }), 404);
  });

  it("rejects a key whose prefix exists but whose secret part differs", async () => {
    const { key } = await newAccount();
    const forged = key.slice(0, 12) + "x".repeat(key.length - 12);
    expectErrorShape(await call("GET", "/v1/hooks", { token: forged }), 401);
  });

  it("answers 404 for an unknown account", async () => {
    expectErrorShape(await call("GET", "/v1/accounts/acc_01JD3Z5Q3W9X4Y2V8N6M1K0P7R", { token: ADMIN_TOKEN }), 404, "not_found");
    expectErrorShape(await call("POST", "/v1/accounts/acc_nope/keys", { token: ADMIN_TOKEN, body: { name: "k" } }), 404);
  });
});
