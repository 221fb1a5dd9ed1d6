import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";

let key: string;
let keyId: string;

beforeAll(async () => {
  ({ key, keyId } = await newAccount("hooks"));
});

const create = (body: Record<string, unknown>) => call("POST", "/v1/hooks", { token: key, body });
const get = (id: string) => call("GET", `/v1/hooks/${id}`, { token: key });
const patch = (id: string, body: Record<string, unknown>) => call("PATCH", `/v1/hooks/${id}`, { token: key, body });

describe("POST /v1/hooks", () => {
  it("creates a webhook hook with defaults, a generated whsec_ secret and state new", async () => {
    const before = new Date().toISOString();
    const res = await create({ name: "ci-failures", url: "https://example.com/hooks/ci", events: ["job_run.failed"] });
    expect(res.status).toBe(201);
    const h = res.body;
    expect(h.id).toMatch(/^hook_[0-9A-Z]{26}$/);
    expect(h).toMatchObject({
      name: "ci-failures",
      description: "",
      kind: "webhook",
      url: "https://example.com/hooks/ci",
      slack: null,
      events: ["job_run.failed"],
      applications: null,
      fallback: false,
      phase: "post",
      on_error: "reject",
      timeout_ms: null,
      enabled: true,
      rate_limit_per_second: null,
      payload_format: "envelope",
      headers: {},
      metadata: {},
      state: "new",
      disabled_reason: null,
      created_by: keyId,
      updated_by: keyId,
    });
    // whsec_ + base64 of 24 random bytes = 32 base64 characters
    expect(h.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(atob(h.secret.slice(6))).toHaveLength(24);
    expect(h.created_at >= before).toBe(true);
    expect(h.updated_at).toBe(h.created_at);
    expect(new Date(h.created_at).toISOString()).toBe(h.created_at);
    // the secret is not part of the plain hook, and is stored sealed
    const got = await get(h.id);
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    const { secret: _secret, ...plain } = h;
    // GET adds the live state the hook's Durable Object keeps: a fresh hook's breaker is closed, untested.
    expect(got.body).toEqual({ ...plain, circuit: "closed", last_test: null });
    const row = await (env as any).DB.prepare("select secret_sealed from hooks where id = ?").bind(h.id).first();
    expect(row.secret_sealed).not.toContain(h.secret.slice(6));
  });

  it("generates a different secret for every hook", async () => {
    const a = await create({ name: "s1", url: "https://example.com/1" });
    const b = await create({ name: "s2", url: "https://example.com/2" });
    expect(a.body.secret).not.toBe(b.body.secret);
  });

  it("keeps every field given, and a secret supplied by the caller", async () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const fields = {
      description: "all the fields",
      events: ["job_run.*", "model_version.created"],
      applications: ["billing", "search"],
      phase: "pre",
      on_error: "approve",
      timeout_ms: 2500,
      enabled: false,
      rate_limit_per_second: 5,
      payload_format: "raw",
      headers: { "X-Team": "ml" },
      metadata: { owner: "ml-platform" },
    };
    const res = await create({ name: "full", kind: "webhook", url: "https://example.com/full", secret, disable_ssl_verification: false, ...fields });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ...fields, secret });
    const s = await call("GET", `/v1/hooks/${res.body.id}/secret`, { token: key });
    expect(s.status).toBe(200);
    expect(s.body).toEqual({ signing_scheme: "v1", secret, previous_secret: null, public_key: null, previous_public_key: null, previous_secret_expires_at: null });
  });

  it("creates a slack hook with a channel id and no url", async () => {
    const res = await create({ name: "slack-alerts", kind: "slack", slack: { channel_id: "C0123ABCD" }, events: ["job_run.failed"] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: "slack", url: null, slack: { channel_id: "C0123ABCD" } });
  });

  it("creates a fallback hook (no applications)", async () => {
    const res = await create({ name: "org-default", url: "https://example.com/default", fallback: true });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ fallback: true, applications: null });
  });

  it("refuses a duplicate name in the same account with 409, and writes nothing", async () => {
    const first = await create({ name: "dup", url: "https://example.com/a" });
    expect(first.status).toBe(201);
    const second = await create({ name: "dup", url: "https://example.com/b" });
    expectErrorShape(second, 409, "conflict");
    expect(second.body.error.message).toContain("dup");
    const all = await call("GET", "/v1/hooks?limit=100", { token: key });
    expect(all.body.data.filter((h: any) => h.name === "dup")).toHaveLength(1);
  });

  it("trims names, so ' dup2 ' and 'dup2' collide", async () => {
    expect((await create({ name: " dup2 ", url: "https://example.com/a" })).body.name).toBe("dup2");
    expectErrorShape(await create({ name: "dup2", url: "https://example.com/a" }), 409);
  });
});

describe("GET /v1/hooks/name-available", () => {
  it("answers whether a name is free in the account", async () => {
    await create({ name: "taken-name", url: "https://example.com/x" });
    const taken = await call("GET", "/v1/hooks/name-available?name=taken-name", { token: key });
    expect(taken.status).toBe(200);
    expect(taken.body).toEqual({ available: false });
    const free = await call("GET", "/v1/hooks/name-available?name=free-name", { token: key });
    expect(free.body).toEqual({ available: true });
    const spaced = await call("GET", `/v1/hooks/name-available?name=${encodeURIComponent("name with spaces & ?")}`, { token: key });
    expect(spaced.body).toEqual({ available: true });
  });

  it("requires the name", async () => {
    expectErrorShape(await call("GET", "/v1/hooks/name-available", { token: key }), 400, "validation_failed");
    expectErrorShape(await call("GET", "/v1/hooks/name-available?name=", { token: key }), 400, "validation_failed");
  });
});

describe("PATCH /v1/hooks/{id}", () => {
  it("changes only the fields given and records who and when", async () => {
    const h = (await create({ name: "patch-me", url: "https://example.com/p", events: ["a"], metadata: { k: "v" } })).body;
    await new Promise((r) => setTimeout(r, 5));
    const res = await patch(h.id, { description: "now described", events: ["a", "b.*"], enabled: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: h.id,
      name: "patch-me",
      url: "https://example.com/p",
      description: "now described",
      events: ["a", "b.*"],
      enabled: false,
      disabled_reason: expect.any(String),
      metadata: { k: "v" },
      state: "new",
      created_at: h.created_at,
      updated_by: keyId,
    });
    expect(res.body.updated_at > h.updated_at).toBe(true);
    expect((await get(h.id)).body).toEqual({ ...res.body, circuit: "closed", last_test: null });
  });

  it("renames, and refuses a rename onto a taken name with 409", async () => {
    const a = (await create({ name: "rename-a", url: "https://example.com/a" })).body;
    await create({ name: "rename-b", url: "https://example.com/b" });
    const ok = await patch(a.id, { name: "rename-c" });
    expect(ok.status).toBe(200);
    expect(ok.body.name).toBe("rename-c");
    expectErrorShape(await patch(a.id, { name: "rename-b" }), 409, "conflict");
    expect((await get(a.id)).body.name).toBe("rename-c");
    // renaming to its own name is not a conflict
    expect((await patch(a.id, { name: "rename-c" })).status).toBe(200);
  });

  it("sets state back to new on any change but enabled, status and state (ricloud), and the new secret is served", async () => {
    const h = (await create({ name: "retest", url: "https://example.com/r" })).body;
    const markValid = () => (env as any).DB.prepare("update hooks set state = 'valid' where id = ?").bind(h.id).run();
    await markValid();
    expect((await patch(h.id, { enabled: false })).body.state).toBe("valid");
    expect((await patch(h.id, { status: "ACTIVE" })).body.state).toBe("valid");
    expect((await patch(h.id, {})).body.state).toBe("valid");
    for (const change of [{ description: "re-tested too" }, { url: "https://example.com/r" }, { metadata: { team: "ops" } }, { url: "https://example.com/r2" }]) {
      await markValid();
      expect((await patch(h.id, change)).body.state, JSON.stringify(change)).toBe("new");
    }

    await (env as any).DB.prepare("update hooks set state = 'invalid' where id = ?").bind(h.id).run();
    const secret = "whsec_" + btoa("a-fresh-secret-of-24-bytes!!");
    expect((await patch(h.id, { secret })).body.state).toBe("new");
    expect((await call("GET", `/v1/hooks/${h.id}/secret`, { token: key })).body.secret).toBe(secret);
  });

  it("lets state be set to deactivated or new, never to valid or invalid", async () => {
    const h = (await create({ name: "states", url: "https://example.com/s" })).body;
    for (const state of ["valid", "invalid"]) {
      const res = await patch(h.id, { state });
      expectErrorShape(res, 422, "unprocessable");
      expect(res.body.error.details[0].path).toBe("state");
      expect(res.body.error.message).toMatch(/outcome of a test/);
    }
    expect((await get(h.id)).body.state).toBe("new");
    expectErrorShape(await patch(h.id, { state: "broken" }), 400, "validation_failed");

    const retired = await patch(h.id, { state: "deactivated" });
    expect(retired.status).toBe(200);
    expect(retired.body.state).toBe("deactivated");
    // a retired hook stays retired when its url changes
    expect((await patch(h.id, { url: "https://example.com/s2" })).body.state).toBe("deactivated");
    // hidden from the default list, shown with state=deactivated, still readable by id
    const listed = await call("GET", "/v1/hooks?limit=100", { token: key });
    expect(listed.body.data.map((x: any) => x.id)).not.toContain(h.id);
    const asked = await call("GET", "/v1/hooks?state=deactivated", { token: key });
    expect(asked.body.data.map((x: any) => x.id)).toContain(h.id);
    expect((await get(h.id)).status).toBe(200);

    const back = await patch(h.id, { state: "new" });
    expect(back.body.state).toBe("new");
    expect((await call("GET", "/v1/hooks?limit=100", { token: key })).body.data.map((x: any) => x.id)).toContain(h.id);
  });

  it("checks the merged hook: a slack channel on a webhook, or applications on a fallback hook, is refused", async () => {
    const h = (await create({ name: "merge-check", url: "https://example.com/m", fallback: true })).body;
    expectErrorShape(await patch(h.id, { applications: ["a"] }), 422);
    expectErrorShape(await patch(h.id, { slack: { channel_id: "C1" } }), 422);
    expectErrorShape(await patch(h.id, { url: "http://169.254.169.254/" }), 422);
    expectErrorShape(await patch(h.id, { disable_ssl_verification: true }), 422);
    // nothing was written by the refused patches
    const after = (await get(h.id)).body;
    expect(after).toMatchObject({ fallback: true, applications: null, slack: null, url: "https://example.com/m", updated_at: h.updated_at });
    // moving from fallback to application scope in one patch is fine
    expect((await patch(h.id, { fallback: false, applications: ["a"] })).body).toMatchObject({ fallback: false, applications: ["a"] });
    // and back to site level with null
    expect((await patch(h.id, { applications: null })).body.applications).toBeNull();
  });

  it("answers 404 for an unknown hook", async () => {
    expectErrorShape(await patch("hook_01JD3Z5Q3W9X4Y2V8N6M1K0P7R", { description: "x" }), 404, "not_found");
  });
});

describe("enable, disable, delete, secret", () => {
  it("disables and enables, with a disabled_reason while disabled", async () => {
    const h = (await create({ name: "toggle", url: "https://example.com/t" })).body;
    const off = await call("POST", `/v1/hooks/${h.id}/disable`, { token: key });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id: h.id, enabled: false, disabled_reason: expect.stringMatching(/API/) });
    expect((await get(h.id)).body.enabled).toBe(false);
    const on = await call("POST", `/v1/hooks/${h.id}/enable`, { token: key });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ enabled: true, disabled_reason: null });
  });

  it("deletes a hook and answers it; then it is gone", async () => {
    const h = (await create({ name: "doomed", url: "https://example.com/d" })).body;
    const del = await call("DELETE", `/v1/hooks/${h.id}`, { token: key });
    expect(del.status).toBe(200);
    const { secret: _secret, ...plain } = h;
    expect(del.body).toEqual(plain);
    expectErrorShape(await get(h.id), 404, "not_found");
    expectErrorShape(await call("DELETE", `/v1/hooks/${h.id}`, { token: key }), 404);
    expectErrorShape(await call("GET", `/v1/hooks/${h.id}/secret`, { token: key }), 404);
    expectErrorShape(await call("POST", `/v1/hooks/${h.id}/enable`, { token: key }), 404);
    // the name is free again
    expect((await call("GET", "/v1/hooks/name-available?name=doomed", { token: key })).body.available).toBe(true);
  });

  it("serves the secret only to its account's key", async () => {
    const h = (await create({ name: "secretive", url: "https://example.com/s" })).body;
    const s = await call("GET", `/v1/hooks/${h.id}/secret`, { token: key });
    expect(s.status).toBe(200);
    expect(s.body.secret).toBe(h.secret);
  });
});
