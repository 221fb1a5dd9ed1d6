import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { testedHook } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// ricloud's webhook configs (../shared/seeds/ricloud-webhook-config.txt), request by request, through
// hookrouter's API: create (a secret generated alongside, a test task whose outcome sets the state),
// retrieve, list (deactivated hidden unless filtered for; state and date_created filters), update
// (every update re-tested), test, retire; the organisation default (a fallback hook) next to per-key
// configs (application hooks); and the rule that an organisation needs a valid config, per
// application and for the default (GET /v1/account/health). The calls side by side:
// docs/coming-from/ricloud.md. (The hook-state project: automatic tests run at once.)

let key: string;
let rx: Receiver;
let configId: string;

beforeAll(async () => {
  ({ key } = await newAccount("ricloud"));
  rx = new Receiver();
});

const health = async () => (await call("GET", "/v1/account/health", { token: key })).body;

describe("ricloud webhook configs, as the seed's /configs/webhook", () => {
  it("an organisation without a valid config is not usable yet: the account's health says so", async () => {
    expect(await health()).toEqual({
      ok: false,
      default: { hooks: 0, valid_hooks: 0, valid: false },
      applications: [],
      problems: [expect.stringMatching(/^no organisation default/)],
    });
  });

  it("POST /configs/webhook {url}: created new with a generated secret, then its test task makes it valid", async () => {
    // The organisation default config: used by every key without a config of its own.
    const created = await call("POST", "/v1/hooks", { token: key, body: { name: "organisation default", url: rx.url("/webhooks/"), fallback: true } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: "new", secret: expect.stringMatching(/^whsec_/), fallback: true, created_at: expect.any(String) });
    configId = created.body.id;
    const tested = await testedHook(key, configId);
    expect(tested.state).toBe("valid");
    // the test event is signed with the generated secret, as every event will be
    const [test] = await rx.requests();
    expect(new Webhook(created.body.secret).verify(test!.body, test!.headers)).toMatchObject({ data: { test: true } });
    expect(await health()).toMatchObject({ ok: true, default: { hooks: 1, valid_hooks: 1, valid: true }, problems: [] });
  });

  it("a key's own config whose receiver is not set up yet: the test fails, it is invalid, and the health names it", async () => {
    const down = new Receiver();
    await down.script([], { status: 503, body: "not yet" });
    const own = await call("POST", "/v1/hooks", { token: key, body: { name: "key shop-eu", url: down.url("/hooks"), applications: ["shop-eu"] } });
    expect((await testedHook(key, own.body.id)).state).toBe("invalid");
    const h = await health();
    expect(h.ok).toBe(false);
    expect(h.applications).toEqual([{ application: "shop-eu", hooks: 1, valid_hooks: 0, valid: false }]);
    expect(h.problems).toEqual(["shop-eu: 1 enabled hook(s), none valid (1 invalid): the fallback steps aside for them"]);

    // POST /configs/webhook/{id} {url}: the update is tested in the background, the state follows
    const fixed = await call("PATCH", `/v1/hooks/${own.body.id}`, { token: key, body: { url: rx.url("/shop-eu/") } });
    expect(fixed.body.state).toBe("new");
    expect((await testedHook(key, own.body.id)).state).toBe("valid");
    expect((await health()).ok).toBe(true);
    await call("DELETE", `/v1/hooks/${own.body.id}`, { token: key });
  });

  it("GET /configs/webhook/{id}", async () => {
    const got = await call("GET", `/v1/hooks/${configId}`, { token: key });
    expect(got.body).toMatchObject({ id: configId, url: rx.url("/webhooks/"), state: "valid", last_test: { success: true } });
  });

  it("POST /configs/webhook/{id} (update): every update starts a test; switching it off and on does not", async () => {
    const before = (await rx.requests()).length;
    const updated = await call("PATCH", `/v1/hooks/${configId}`, { token: key, body: { url: rx.url("/webhooks/v2/") } });
    expect(updated.body.state).toBe("new");
    expect((await testedHook(key, configId)).state).toBe("valid");
    // not only a url: any field but enabled, status and state
    const described = await call("PATCH", `/v1/hooks/${configId}`, { token: key, body: { description: "the default for keys without a config" } });
    expect(described.body.state).toBe("new");
    expect((await testedHook(key, configId)).state).toBe("valid");
    expect((await rx.requests()).slice(before).map((r) => r.path)).toEqual([`/r/${rx.ns}/webhooks/v2/`, `/r/${rx.ns}/webhooks/v2/`]);
    expect((await call("PATCH", `/v1/hooks/${configId}`, { token: key, body: { enabled: true } })).body.state).toBe("valid");
  });

  it("POST /configs/webhook/{id}/test: a test now, its outcome sets the state", async () => {
    await rx.script([{ status: 500, body: "down for maintenance" }]);
    const failed = await call("POST", `/v1/hooks/${configId}/test`, { token: key });
    expect(failed.body).toMatchObject({ success: false, response_status: 500 });
    expect((await call("GET", `/v1/hooks/${configId}`, { token: key })).body.state).toBe("invalid");
    expect((await health()).default).toEqual({ hooks: 1, valid_hooks: 0, valid: false });
    const ok = await call("POST", `/v1/hooks/${configId}/test`, { token: key });
    expect(ok.body.success).toBe(true);
    expect((await call("GET", `/v1/hooks/${configId}`, { token: key })).body.state).toBe("valid");
  });

  it("GET /configs/webhook: filter by state and date_created; deactivated configs only when filtered for", async () => {
    const since = new Date().toISOString();
    const spare = await call("POST", "/v1/hooks", { token: key, body: { name: "spare", url: rx.url("/spare/"), applications: ["shop-us"] } });
    expect((await testedHook(key, spare.body.id)).state).toBe("valid");
    const names = async (query: string) => (await call("GET", `/v1/hooks?${query}`, { token: key })).body.data.map((h: { name: string }) => h.name);
    expect(await names("state=valid")).toEqual(["spare", "organisation default"]);
    expect(await names(`created_after=${since}`)).toEqual(["spare"]);

    // state: only to new or deactivated; deactivated retires the config
    expectErrorShape(await call("PATCH", `/v1/hooks/${spare.body.id}`, { token: key, body: { state: "valid" } }), 422, "unprocessable");
    const retired = await call("PATCH", `/v1/hooks/${spare.body.id}`, { token: key, body: { state: "deactivated" } });
    expect(retired.body.state).toBe("deactivated");
    expect(await names("")).toEqual(["organisation default"]);
    expect(await names("state=deactivated")).toEqual(["spare"]);
    // a retired config is no longer counted (its application falls back on the default)
    expect(await health()).toMatchObject({ ok: true, applications: [] });
    // and brought back: re-tested
    expect((await call("PATCH", `/v1/hooks/${spare.body.id}`, { token: key, body: { state: "new" } })).body.state).toBe("new");
    expect((await testedHook(key, spare.body.id)).state).toBe("valid");
  });
});
