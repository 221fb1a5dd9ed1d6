import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import mlflowCatalog from "../../examples/catalogs/mlflow.json";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { publish, waitForDeliveryRequests } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";
import { importCatalog } from "../helpers/seeds";

// MLflow's WebhookService (../shared/seeds/mlflow-webhooks.txt), request by request, through
// hookrouter's API: create with {entity, action} events and a status, list with a page size and a
// token, get, update (PATCH), test (defaulting to the first subscribed event), delete. Then what the
// pairs mean for deliveries (one canonical name, any letter case, the seed's wildcards) and a hook
// without a secret, which delivers unsigned only in an account that allows it. The calls side by side:
// docs/coming-from/mlflow.md.

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

let key: string;
let rx: Receiver;
let webhookId: string;

beforeAll(async () => {
  ({ key } = await newAccount("mlflow"));
  rx = new Receiver();
});

describe("MLflow webhooks, as the seed's WebhookService", () => {
  it("createWebhook: events as {entity, action}, status ACTIVE, an HMAC secret", async () => {
    // POST /mlflow/webhooks {name, description, url, events: [{entity: MODEL_VERSION, action: CREATED}], secret, status: ACTIVE}
    const res = await call("POST", "/v1/hooks", {
      token: key,
      body: {
        name: "model-registry",
        description: "New model versions to CI",
        url: rx.url("/mlflow"),
        events: [
          { entity: "MODEL_VERSION", action: "CREATED" },
          { entity: "MODEL_VERSION_TAG", action: "SET" },
        ],
        secret: SECRET,
        status: "ACTIVE",
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // Webhook{webhook_id, name, description, url, events, status, creation_timestamp, last_updated_timestamp}
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^hook_/),
      name: "model-registry",
      description: "New model versions to CI",
      url: rx.url("/mlflow"),
      events: ["model_version.created", "model_version_tag.set"],
      status: "ACTIVE",
      enabled: true,
      signed: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    webhookId = res.body.id;
  });

  it("listWebhooks: max_results and page_token are limit and cursor", async () => {
    for (const name of ["prompts", "budgets"]) {
      expect((await call("POST", "/v1/hooks", { token: key, body: { name, url: rx.url(`/${name}`), events: [{ entity: "PROMPT", action: "CREATED" }], status: "DISABLED" } })).status).toBe(201);
    }
    const first = await call("GET", "/v1/hooks?limit=2", { token: key });
    expect(first.body.data.map((h: { name: string }) => h.name)).toEqual(["budgets", "prompts"]);
    expect(first.body.data.map((h: { status: string }) => h.status)).toEqual(["DISABLED", "DISABLED"]);
    const next = await call("GET", `/v1/hooks?limit=2&cursor=${first.body.next_cursor}`, { token: key });
    expect(next.body).toMatchObject({ data: [{ id: webhookId }], next_cursor: null });
  });

  it("getWebhook", async () => {
    const res = await call("GET", `/v1/hooks/${webhookId}`, { token: key });
    expect(res.body).toMatchObject({ id: webhookId, status: "ACTIVE", events: ["model_version.created", "model_version_tag.set"] });
  });

  it("updateWebhook: PATCH with events and status", async () => {
    const res = await call("PATCH", `/v1/hooks/${webhookId}`, {
      token: key,
      body: { description: "Model versions and their aliases", events: [{ entity: "model_version", action: "created" }, { entity: "Model_Version_Alias", action: "ACTION_UNSPECIFIED" }] },
    });
    expect(res.status).toBe(200);
    expect(res.body.events).toEqual(["model_version.created", "model_version_alias.*"]);
    const off = await call("PATCH", `/v1/hooks/${webhookId}`, { token: key, body: { status: "DISABLED" } });
    expect(off.body).toMatchObject({ status: "DISABLED", enabled: false });
    const on = await call("PATCH", `/v1/hooks/${webhookId}`, { token: key, body: { status: "ACTIVE" } });
    expect(on.body).toMatchObject({ status: "ACTIVE", enabled: true });
    // status and enabled are one setting: saying both, they must agree
    expectErrorShape(await call("PATCH", `/v1/hooks/${webhookId}`, { token: key, body: { status: "ACTIVE", enabled: false } }), 400, "validation_failed");
    expectErrorShape(await call("PATCH", `/v1/hooks/${webhookId}`, { token: key, body: { status: "PAUSED" } }), 400, "validation_failed");
  });

  it("testWebhook: defaults to the first subscribed event; an {entity, action} event may be asked for", async () => {
    const res = await call("POST", `/v1/hooks/${webhookId}/test`, { token: key });
    // WebhookTestResult{success, response_status, response_body, error_message}
    expect(res.body).toMatchObject({ success: true, response_status: 200, response_body: "ok", error_message: null, event_type: "model_version.created" });
    await rx.script([{ status: 500, body: "registry hook down" }]);
    const asked = await call("POST", `/v1/hooks/${webhookId}/test`, { token: key, body: { event_type: { entity: "MODEL_VERSION_ALIAS", action: "CREATED" } } });
    expect(asked.body).toMatchObject({ success: false, response_status: 500, response_body: "registry hook down", error_message: "HTTP 500", event_type: "model_version_alias.created" });
    const tests = await rx.requests();
    expect(tests.map((r) => JSON.parse(r.body).type)).toEqual(["model_version.created", "model_version_alias.created"]);
    expect(new Webhook(SECRET).verify(tests[0]!.body, tests[0]!.headers)).toMatchObject({ data: { test: true } });
  });

  it("a published {entity, action} reaches hooks subscribed by pair, name or wildcard, in any letter case", async () => {
    const got = (await rx.requests()).length;
    // the producer names its event as MLflow does; the hook subscribed with upper case
    const created = await publish(key, { type: { entity: "model_version", action: "created" }, payload: { name: "churn", version: "3" } });
    expect(created).toMatchObject({ type: "model_version.created", deliveries: 1 });
    // ACTION_UNSPECIFIED matched any action of the entity
    const alias = await publish(key, { type: { entity: "MODEL_VERSION_ALIAS", action: "DELETED" }, payload: { name: "churn", alias: "champion" } });
    expect(alias.deliveries).toBe(1);
    // a name is the same event as its pair
    expect((await publish(key, { type: "model_version.created", payload: {} })).deliveries).toBe(1);
    // an event names one entity and one action
    expectErrorShape(await call("POST", "/v1/events", { token: key, body: { type: { entity: "MODEL_VERSION", action: "ACTION_UNSPECIFIED" }, payload: {} } }), 400, "validation_failed");
    expectErrorShape(await call("POST", "/v1/events", { token: key, body: { type: { entity: "EXPERIMENT", action: "CREATED" }, payload: {} } }), 400, "validation_failed");

    const delivered = (await waitForDeliveryRequests(rx, 3)).map((r) => JSON.parse(r.body));
    expect((await rx.requests()).length - got).toBe(3);
    expect(delivered.map((b) => [b.type, b.data])).toEqual([
      ["model_version.created", { name: "churn", version: "3" }],
      ["model_version_alias.deleted", { name: "churn", alias: "champion" }],
      ["model_version.created", {}],
    ]);
  });

  it("with MLflow's catalog imported, only the pairs MLflow accepts", async () => {
    const { key: catalogued } = await newAccount("mlflow-catalog");
    await importCatalog(catalogued, mlflowCatalog);
    const hook = await call("POST", "/v1/hooks", { token: catalogued, body: { name: "prompts", url: rx.url("/c"), events: [{ entity: "PROMPT_TAG", action: "ACTION_UNSPECIFIED" }] } });
    expect(hook.body.events).toEqual(["prompt_tag.*"]);
    expect((await call("POST", "/v1/events", { token: catalogued, body: { type: { entity: "PROMPT_TAG", action: "SET" }, payload: {} } })).status).toBe(202);
    expectErrorShape(await call("POST", "/v1/events", { token: catalogued, body: { type: { entity: "MODEL_VERSION", action: "EXCEEDED" }, payload: {} } }), 422, "unprocessable");
  });

  it("deleteWebhook", async () => {
    const res = await call("DELETE", `/v1/hooks/${webhookId}`, { token: key });
    expect(res.body.id).toBe(webhookId); // MLflow answers {}; hookrouter the deleted hook
    expectErrorShape(await call("GET", `/v1/hooks/${webhookId}`, { token: key }), 404, "not_found");
  });
});

describe("a webhook without a secret (MLflow's secret is optional)", () => {
  it("gets a generated secret unless the account allows unsigned deliveries; then it delivers unsigned, and signed again when the account stops allowing it", async () => {
    const { key: k } = await newAccount("mlflow-unsigned");
    const unsignedRx = new Receiver();
    const body = (name: string) => ({ name, url: unsignedRx.url(`/${name}`), events: [{ entity: "REGISTERED_MODEL", action: "CREATED" }] });

    // By default: signed with a generated secret, as every hookrouter hook.
    const signed = await call("POST", "/v1/hooks", { token: k, body: body("signed") });
    expect(signed.body).toMatchObject({ signed: true, secret: expect.stringMatching(/^whsec_/) });
    expectErrorShape(await call("POST", "/v1/hooks", { token: k, body: { ...body("refused"), signed: false } }), 422, "unprocessable");
    await call("DELETE", `/v1/hooks/${signed.body.id}`, { token: k });

    // The account allows it: a hook without a secret is unsigned, and says so.
    const allowed = await call("PATCH", "/v1/account", { token: k, body: { allow_unsigned_deliveries: true } });
    expect(allowed.body.allow_unsigned_deliveries).toBe(true);
    const hook = await call("POST", "/v1/hooks", { token: k, body: body("unsigned") });
    expect(hook.body.signed).toBe(false);
    expect((await call("POST", "/v1/hooks", { token: k, body: { ...body("with-secret"), secret: SECRET } })).body.signed).toBe(true);

    const test = await call("POST", `/v1/hooks/${hook.body.id}/test`, { token: k });
    expect(test.body.success).toBe(true);
    await publish(k, { type: "registered_model.created", payload: { name: "churn" } });
    const unsignedDelivery = (await waitForDeliveryRequests(unsignedRx, 2)).find((r) => r.path.endsWith("/unsigned"))!;
    const [unsignedTest] = await unsignedRx.requests();
    for (const r of [unsignedTest!, unsignedDelivery]) {
      expect(r.headers["webhook-signature"]).toBeUndefined();
      expect(r.headers["webhook-id"]).toBeTruthy();
      expect(r.headers["webhook-timestamp"]).toBeTruthy();
    }

    // No longer allowed: every hook of the account is signed again, with its secret.
    const stopped = await call("PATCH", "/v1/account", { token: k, body: { allow_unsigned_deliveries: false } });
    expect(stopped.body.allow_unsigned_deliveries).toBe(false);
    expect((await call("GET", `/v1/hooks/${hook.body.id}`, { token: k })).body.signed).toBe(true);
    await publish(k, { type: "registered_model.created", payload: { name: "fraud" } });
    const again = (await waitForDeliveryRequests(unsignedRx, 4)).filter((r) => r.path.endsWith("/unsigned")).at(-1)!;
    expect(new Webhook(hook.body.secret).verify(again.body, again.headers)).toMatchObject({ data: { name: "fraud" } });
  });
});
