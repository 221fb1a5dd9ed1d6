import { Webhook } from "standardwebhooks";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { MAX_CLIENT_FRAME_BYTES, MAX_TUNNELS_PER_ACCOUNT } from "../../src/domain/tunnel";
import { ADMIN_TOKEN, call, expectErrorShape, newAccount } from "../helpers/api";
import { createHook } from "../helpers/delivery";
import { connect, connectRaw, type TestTunnel } from "../helpers/tunnel";

// Tunnels with the outbound URL guard on, as in production: a hook on `tunnel://NAME` is delivered
// to over the WebSocket of the CLI connected to that tunnel of the hook's own account. The CLI is
// played by the test (test/helpers/tunnel.ts); test/cli/tunnel.test.ts runs the real one.

let owner: { accountId: string; key: string };
let other: { accountId: string; key: string };
const open: TestTunnel[] = [];

async function tunnel(name: string, key: string, answer?: Parameters<typeof connect>[2]): Promise<TestTunnel> {
  const t = await connect(name, key, answer);
  open.push(t);
  return t;
}

beforeAll(async () => {
  owner = await newAccount("tunnel-owner");
  other = await newAccount("tunnel-other");
});

afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

describe("hooks on a tunnel", () => {
  it("accept tunnel://NAME with the guard on, and refuse every other form of it", async () => {
    const ok = await call("POST", "/v1/hooks", { token: owner.key, body: { name: "on-a-tunnel", url: "tunnel://form-check" } });
    expect(ok.status).toBe(201);
    expect(ok.body.url).toBe("tunnel://form-check");
    for (const url of ["tunnel://Dev", "tunnel://dev/webhooks", "tunnel://dev:80", "tunnel://-dev", "tunnel://", "TUNNEL://dev", "tunnel:dev", "tunnel://dev?x=1"]) {
      const res = await call("POST", "/v1/hooks", { token: owner.key, body: { name: `bad-${crypto.randomUUID()}`, url } });
      expectErrorShape(res, 422, "unprocessable");
      expect(res.body.error.message, url).toMatch(/tunnel:\/\/NAME/);
    }
    // The guard itself stays on for real URLs.
    const local = await call("POST", "/v1/hooks", { token: owner.key, body: { name: "loopback", url: "http://127.0.0.1:4000/" } });
    expectErrorShape(local, 422, "unprocessable");
  });

  it(`allow at most ${MAX_TUNNELS_PER_ACCOUNT} tunnels per account`, async () => {
    const acct = await newAccount("many-tunnels");
    for (let i = 0; i < MAX_TUNNELS_PER_ACCOUNT; i++) await createHook(acct.key, { url: `tunnel://t${i}` });
    const more = await call("POST", "/v1/hooks", { token: acct.key, body: { name: "one-too-many", url: "tunnel://t-extra" } });
    expectErrorShape(more, 422, "unprocessable");
    expect(more.body.error.message).toContain(`at most ${MAX_TUNNELS_PER_ACCOUNT} tunnels`);
    // Another hook on a tunnel the account has is fine, and so is moving a hook onto one.
    await createHook(acct.key, { url: "tunnel://t0", phase: "pre" });
    const web = await createHook(acct.key, { url: "https://example.com/x" });
    expect((await call("PATCH", `/v1/hooks/${web.id}`, { token: acct.key, body: { url: "tunnel://t-extra" } })).status).toBe(422);
    expect((await call("PATCH", `/v1/hooks/${web.id}`, { token: acct.key, body: { url: "tunnel://t3" } })).status).toBe(200);
  });
});

describe("connecting", () => {
  beforeAll(async () => {
    await createHook(owner.key, { url: "tunnel://private" });
  });

  it("needs an API key (401), a WebSocket upgrade (426) and a hook of the key's account on the tunnel (404)", async () => {
    expect((await connectRaw("private")).status).toBe(401);
    const plain = await connectRaw("private", { key: owner.key, upgrade: false });
    expect(plain.status).toBe(426);
    expect((await plain.json<any>()).error.code).toBe("upgrade_required");
    const nobody = await connectRaw("nobody-uses-this", { key: owner.key });
    expect(nobody.status).toBe(404);
    expect((await connectRaw("Not_A_Name", { key: owner.key })).status).toBe(400);
  });

  it("never lets another account's key attach to the tunnel (404), or see it", async () => {
    const res = await connectRaw("private", { key: other.key });
    expect(res.status).toBe(404);
    expect(res.webSocket).toBeNull();
    const list = await call("GET", "/v1/tunnels", { token: other.key });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([]);
  });

  it("lists the account's tunnels with whether a CLI is connected", async () => {
    const before = await call("GET", "/v1/tunnels", { token: owner.key });
    expect(before.body.data.find((t: any) => t.name === "private")).toMatchObject({ url: "tunnel://private", connected: false, connected_at: null });
    await tunnel("private", owner.key);
    const after = await call("GET", "/v1/tunnels", { token: owner.key });
    const listed = after.body.data.find((t: any) => t.name === "private");
    expect(listed).toMatchObject({ connected: true, client: "tunnel-test" });
    expect(listed.hook_ids).toHaveLength(1);
    expect(Date.parse(listed.connected_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("replaces an older connection with a newer one (closed with 4001), which then gets the requests", async () => {
    const hook = await createHook(owner.key, { url: "tunnel://replaced" });
    const first = await tunnel("replaced", owner.key);
    const second = await tunnel("replaced", owner.key);
    expect((await first.closed).code).toBe(4001);
    const test = await call("POST", `/v1/hooks/${hook.id}/test`, { token: owner.key });
    expect(test.body.success).toBe(true);
    expect(second.requests).toHaveLength(1);
    expect(first.requests).toHaveLength(0);
  });
});

describe("credentials", () => {
  it("closes the tunnels a key opened when it is revoked, and every tunnel of an account deleted", async () => {
    const acct = await newAccount("revoking");
    const second = await call("POST", `/v1/accounts/${acct.accountId}/keys`, { token: ADMIN_TOKEN, body: { name: "second" } });
    const hook = await createHook(acct.key, { url: "tunnel://by-first" });
    await createHook(acct.key, { url: "tunnel://by-second" });
    const first = await tunnel("by-first", acct.key);
    const other = await tunnel("by-second", second.body.key);

    expect((await call("DELETE", `/v1/accounts/${acct.accountId}/keys/${acct.keyId}`, { token: ADMIN_TOKEN })).status).toBe(200);
    expect((await first.closed).code).toBe(4003);
    // The other key's tunnel is untouched, and still delivers.
    const test = await call("POST", `/v1/hooks/${hook.id}/test`, { token: second.body.key });
    expect(test.body.error_message).toMatch(/no `hookrouter listen --tunnel by-first` is connected/);
    expect((await call("GET", "/v1/tunnels", { token: second.body.key })).body.data.find((t: any) => t.name === "by-second").connected).toBe(true);

    expect((await call("DELETE", `/v1/accounts/${acct.accountId}`, { token: ADMIN_TOKEN })).status).toBe(204);
    expect((await other.closed).code).toBe(4003);
  });
});

describe("relaying", () => {
  it("hands the CLI the exact signed request, and records its answer like a receiver's", async () => {
    const hook = await createHook(owner.key, { url: "tunnel://relay", headers: { "x-team": "billing" } });
    const t = await tunnel("relay", owner.key, () => ({ status: 202, headers: { "content-type": "text/plain", "x-local": "yes" }, body: "taken by the local server" }));
    const res = await call("POST", `/v1/hooks/${hook.id}/test`, { token: owner.key });
    expect(res.body).toMatchObject({ success: true, response_status: 202, response_body: "taken by the local server", error_message: null });

    const [req] = t.requests;
    expect(req!.headers).toMatchObject({ "content-type": "application/json", "user-agent": "hookrouter/0.1.0", "x-team": "billing" });
    expect(req!.headers["webhook-id"]).toMatch(/^test_/);
    // Verifies with the hook's secret, as any Standard Webhooks receiver would.
    const verified = new Webhook(hook.secret).verify(req!.body, req!.headers) as any;
    expect(verified.data.test).toBe(true);
  });

  it("answers a gate call with the local server's decision", async () => {
    await createHook(owner.key, { url: "tunnel://gate", phase: "pre", events: ["cluster.create"] });
    await tunnel("gate", owner.key, (req) => {
      const nodes = JSON.parse(req.body).data.node_count;
      return { status: 200, body: JSON.stringify(nodes <= 5 ? { approved: true, user_id: "u1" } : { approved: false, reason: "at most 5 nodes" }) };
    });
    const yes = await call("POST", "/v1/gates/cluster.create", { token: owner.key, body: { payload: { node_count: 3 } } });
    expect(yes.body).toMatchObject({ approved: true, context: { user_id: "u1" } });
    const no = await call("POST", "/v1/gates/cluster.create", { token: owner.key, body: { payload: { node_count: 9 } } });
    expect(no.body.approved).toBe(false);
    expect(no.body.decisions[0]).toMatchObject({ approved: false, reason: "at most 5 nodes" });
  });

  it("fails like an unreachable receiver when no CLI is connected, or it does not answer in time", async () => {
    const hook = await createHook(owner.key, { url: "tunnel://absent" });
    const none = await call("POST", `/v1/hooks/${hook.id}/test`, { token: owner.key });
    expect(none.body).toMatchObject({ success: false, response_status: null });
    expect(none.body.error_message).toBe("connection failed: no `hookrouter listen --tunnel absent` is connected to tunnel://absent");

    const gate = await createHook(owner.key, { url: "tunnel://silent", phase: "pre", events: ["silent.check"], timeout_ms: 300 });
    await tunnel("silent", owner.key, () => null);
    const run = await call("POST", "/v1/gates/silent.check", { token: owner.key, body: { payload: {} } });
    expect(run.body.approved).toBe(false);
    expect(run.body.decisions[0]).toMatchObject({ hook_id: gate.id, error: "timed out after 300 ms" });
  });

  it("reads the answer as sendHttp reads any: 4 KiB of body, redirects not followed, the CLI's errors and bad answers", async () => {
    const hook = await createHook(owner.key, { url: "tunnel://answers" });
    const t = await tunnel("answers", owner.key);
    const test = () => call("POST", `/v1/hooks/${hook.id}/test`, { token: owner.key }).then((r) => r.body);

    t.answer = () => ({ status: 200, body: "x".repeat(10_000) });
    expect((await test()).response_body).toHaveLength(4096);
    t.answer = () => ({ status: 302, headers: { location: "https://elsewhere.example/" }, body: "" });
    expect(await test()).toMatchObject({ success: false, response_status: 302, error_message: "redirect not followed (Location: https://elsewhere.example/)" });
    t.answer = () => ({ error: "connect ECONNREFUSED 127.0.0.1:3000" });
    expect((await test()).error_message).toBe("connection failed: the CLI could not reach its receiver: connect ECONNREFUSED 127.0.0.1:3000");
    t.answer = () => ({ status: 204, body: "" });
    expect(await test()).toMatchObject({ success: true, response_status: 204, response_body: "" });
    t.answer = () => ({ status: 99, body: "" });
    expect((await test()).error_message).toMatch(/^connection failed: the CLI's answer is not a valid HTTP answer/);
  });

  it(`closes a socket that sends a message over ${MAX_CLIENT_FRAME_BYTES} bytes, failing what it was asked`, async () => {
    const hook = await createHook(owner.key, { url: "tunnel://oversize" });
    const t = await tunnel("oversize", owner.key, () => ({ status: 200, body: "y".repeat(MAX_CLIENT_FRAME_BYTES) }));
    const res = await call("POST", `/v1/hooks/${hook.id}/test`, { token: owner.key });
    expect(res.body.error_message).toBe(`connection failed: the CLI sent a message over ${MAX_CLIENT_FRAME_BYTES} bytes`);
    expect((await t.closed).code).toBe(1009);
  });
});
