import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import vydonCatalog from "../../examples/catalogs/vydon.json";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { testedHook } from "../helpers/delivery";
import { FakeSlackTeam } from "../helpers/fake-slack";
import { eventually, Receiver } from "../helpers/receiver";
import { importCatalog } from "../helpers/seeds";

// Vydon's AccountHookService (../shared/seeds/vydon-account-hooks.txt), RPC by RPC, through
// hookrouter's API: the job-run catalog out of the box, hooks created and changed for a user
// (created_by_user_id / updated_by_user_id), name availability, enable/disable, active hooks by event
// with ACCOUNT_HOOK_EVENT_UNSPECIFIED (`*`: only the wildcard hooks), the Slack connection, a Slack
// message sent for a worker's event, and a delete that answers the deleted hook. The calls side by
// side: docs/coming-from/vydon.md. (The slack project: a fake Slack and a webhook receiver.)

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const as = (user: string) => ({ "acting-user-id": user });

let key: string;
let keyId: string;
let slack: FakeSlackTeam;
let rx: Receiver;
const ids = { webhook: "", slack: "", succeeded: "" };

beforeAll(async () => {
  ({ key, keyId } = await newAccount("vydon"));
  slack = new FakeSlackTeam();
  rx = new Receiver();
});

const hooksOf = (res: { body: { data: Array<{ name: string }> } }) => res.body.data.map((h) => h.name).sort();

describe("Vydon account hooks, as the seed's AccountHookService", () => {
  it("the job_run events work out of the box: the catalog file imports into the account", async () => {
    await importCatalog(key, vydonCatalog);
    const catalog = await call("GET", "/v1/event-types", { token: key });
    expect(catalog.body.data.map((t: { name: string }) => t.name)).toEqual(["job_run.created", "job_run.failed", "job_run.succeeded"]);
  });

  it("GetSlackConnectionUrl, HandleSlackOAuthCallback, TestSlackConnection", async () => {
    // TestSlackConnection before any connection: has_configuration false.
    expect((await call("POST", "/v1/slack/test", { token: key })).body).toEqual({ has_configuration: false });
    // GetSlackConnectionUrl → the user's browser at Slack → HandleSlackOAuthCallback{state, code}.
    const connected = await slack.connect(key);
    expect(connected.status).toBe(200);
    const tested = await call("POST", "/v1/slack/test", { token: key });
    expect(tested.body).toEqual({ has_configuration: true, test_response: { url: `https://${slack.id.toLowerCase()}.slack.com/`, team: slack.name } });
  });

  it("CreateAccountHook: a webhook for failed runs, for a user, keeping the key too", async () => {
    // NewAccountHook{name, description, events: [JOB_RUN_FAILED], config.webhook{url, secret, disable_ssl_verification: false}, enabled}
    const created = await call("POST", "/v1/hooks", {
      token: key,
      headers: as("user-ada"),
      body: {
        name: "failed-runs",
        description: "Page the on-call engineer",
        events: ["job_run.failed"],
        url: rx.url("/vydon"),
        secret: SECRET,
        disable_ssl_verification: false,
        enabled: true,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^hook_/),
      name: "failed-runs",
      description: "Page the on-call engineer",
      events: ["job_run.failed"],
      url: rx.url("/vydon"),
      enabled: true,
      created_by_user_id: "user-ada",
      updated_by_user_id: "user-ada",
      created_by: keyId,
      updated_by: keyId,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    ids.webhook = created.body.id;
    expect((await testedHook(key, ids.webhook)).state).toBe("valid");

    // config.slack{channel_id}, events: [ACCOUNT_HOOK_EVENT_UNSPECIFIED] (every event), by another user.
    const slackHook = await call("POST", "/v1/hooks", {
      token: key,
      headers: as("user-grace"),
      body: { name: "all-runs-to-slack", kind: "slack", slack: { channel_id: "C0JOBRUNS" }, events: [] },
    });
    expect(slackHook.status, JSON.stringify(slackHook.body)).toBe(201);
    expect(slackHook.body).toMatchObject({ slack: { channel_id: "C0JOBRUNS" }, events: [], created_by_user_id: "user-grace" });
    ids.slack = slackHook.body.id;
    expect((await testedHook(key, ids.slack)).state).toBe("valid");
  });

  it("a hook created without a user records the key alone; a bad user id is refused; job_run names only", async () => {
    const keyOnly = await call("POST", "/v1/hooks", { token: key, body: { name: "succeeded-runs", url: rx.url("/ok"), events: ["job_run.succeeded"] } });
    expect(keyOnly.body).toMatchObject({ created_by: keyId, created_by_user_id: null, updated_by_user_id: null });
    ids.succeeded = keyOnly.body.id;
    const bad = await call("POST", "/v1/hooks", { token: key, headers: as("user ada"), body: { name: "x", url: rx.url() } });
    expectErrorShape(bad, 400, "validation_failed");
    expect(bad.body.error.details[0].path).toBe("acting-user-id");
    // The catalog: an event Vydon does not have is refused.
    expectErrorShape(await call("POST", "/v1/hooks", { token: key, body: { name: "y", url: rx.url(), events: ["job_run.paused"] } }), 422, "unprocessable");
  });

  it("disable_ssl_verification: true is refused (hookrouter's choice: Workers always verify TLS)", async () => {
    const res = await call("POST", "/v1/hooks", { token: key, body: { name: "no-tls", url: rx.url(), disable_ssl_verification: true } });
    expectErrorShape(res, 422, "unprocessable");
    expect(res.body.error.details[0].path).toBe("disable_ssl_verification");
  });

  it("IsAccountHookNameAvailable", async () => {
    expect((await call("GET", "/v1/hooks/name-available?name=failed-runs", { token: key })).body).toEqual({ available: false });
    expect((await call("GET", "/v1/hooks/name-available?name=canceled-runs", { token: key })).body).toEqual({ available: true });
  });

  it("GetAccountHooks and GetAccountHook", async () => {
    expect(hooksOf(await call("GET", "/v1/hooks", { token: key }))).toEqual(["all-runs-to-slack", "failed-runs", "succeeded-runs"]);
    const one = await call("GET", `/v1/hooks/${ids.webhook}`, { token: key });
    expect(one.body).toMatchObject({ id: ids.webhook, name: "failed-runs", created_by_user_id: "user-ada" });
    expect(one.body.secret).toBeUndefined(); // GET /v1/hooks/{id}/secret serves it
  });

  it("UpdateAccountHook: by another user; created_by_user_id stays, updated_by_user_id follows", async () => {
    const updated = await call("PATCH", `/v1/hooks/${ids.webhook}`, {
      token: key,
      headers: as("user-grace"),
      body: { name: "failed-runs", description: "Page on-call, also on success", events: ["job_run.failed", "job_run.succeeded"], url: rx.url("/vydon"), enabled: true },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      events: ["job_run.failed", "job_run.succeeded"],
      created_by_user_id: "user-ada",
      updated_by_user_id: "user-grace",
      created_by: keyId,
      updated_by: keyId,
    });
    expect(updated.body.updated_at >= updated.body.created_at).toBe(true);
    expect((await testedHook(key, ids.webhook)).state).toBe("valid"); // every update is re-tested
    // An update made for no one in particular: the last updater is then unknown, the key is not.
    const byKey = await call("PATCH", `/v1/hooks/${ids.succeeded}`, { token: key, body: { description: "by the key" } });
    expect(byKey.body).toMatchObject({ updated_by: keyId, updated_by_user_id: null });
  });

  it("SetAccountHookEnabled", async () => {
    const off = await call("POST", `/v1/hooks/${ids.succeeded}/disable`, { token: key, headers: as("user-ada") });
    expect(off.body).toMatchObject({ enabled: false, updated_by_user_id: "user-ada" });
    const on = await call("POST", `/v1/hooks/${ids.succeeded}/enable`, { token: key, headers: as("user-grace") });
    expect(on.body).toMatchObject({ enabled: true, updated_by_user_id: "user-grace" });
  });

  it("GetActiveAccountHooksByEvent: a specific event gives its hooks and the wildcard hooks; UNSPECIFIED only the wildcard hooks", async () => {
    const active = (event: string) => call("GET", `/v1/hooks/active?event=${encodeURIComponent(event)}`, { token: key });
    expect(hooksOf(await active("job_run.failed"))).toEqual(["all-runs-to-slack", "failed-runs"]);
    expect(hooksOf(await active("job_run.succeeded"))).toEqual(["all-runs-to-slack", "failed-runs", "succeeded-runs"]);
    expect(hooksOf(await active("job_run.created"))).toEqual(["all-runs-to-slack"]);
    // ACCOUNT_HOOK_EVENT_UNSPECIFIED
    expect(hooksOf(await active("*"))).toEqual(["all-runs-to-slack"]);
    // and only the active ones
    await call("POST", `/v1/hooks/${ids.slack}/disable`, { token: key });
    expect(hooksOf(await active("*"))).toEqual([]);
    await call("POST", `/v1/hooks/${ids.slack}/enable`, { token: key });
  });

  it("SendSlackMessage: the worker's event reaches the Slack channel, and the webhook signed", async () => {
    const before = (await slack.calls("chat.postMessage")).length;
    const event = await call("POST", "/v1/events", { token: key, body: { type: "job_run.failed", payload: { job_run_id: "jr_42", job_id: "nightly-sync" } } });
    expect(event.body.deliveries).toBe(2); // failed-runs and all-runs-to-slack
    const post = await eventually(async () => (await slack.calls("chat.postMessage")).slice(before)[0], 30_000);
    expect(post!.body.channel).toBe("C0JOBRUNS");
    expect(post!.body.text).toContain("job_run.failed");
    const delivered = await eventually(async () => (await rx.requests()).find((r) => r.body.includes(event.body.id)), 30_000);
    expect(new Webhook(SECRET).verify(delivered!.body, delivered!.headers)).toMatchObject({ type: "job_run.failed", data: { job_run_id: "jr_42" } });
  });

  it("DeleteAccountHook answers the deleted hook", async () => {
    const deleted = await call("DELETE", `/v1/hooks/${ids.succeeded}`, { token: key });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: ids.succeeded, name: "succeeded-runs" });
    expectErrorShape(await call("GET", `/v1/hooks/${ids.succeeded}`, { token: key }), 404, "not_found");
  });
});
