import { beforeAll, describe, expect, it } from "vitest";
import huskarCatalog from "../../examples/catalogs/huskar.json";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { gateCalls, publish, waitForDeliveryRequests } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";
import { importCatalog } from "../helpers/seeds";
import { UPDATE_SWITCH } from "./huskar-example";

// Huskar's webhooks (../shared/seeds/huskar-webhook.txt), request by request, through hookrouter's
// API: the ~45 Huskar events as a catalog with their application level, a site webhook (every event)
// and an application webhook (application-level events of its applications), the seed's example
// delivery published as it is (its applications read from `application_names`), raw bodies, the
// per-application listing and the webhook instance routes. The calls side by side:
// docs/coming-from/huskar.md.


let key: string;
let siteRx: Receiver;
let appRx: Receiver;
let siteId: string;
let appId: string;

beforeAll(async () => {
  ({ key } = await newAccount("huskar"));
  siteRx = new Receiver();
  appRx = new Receiver();
});

const bodies = async (rx: Receiver, count: number) => (await waitForDeliveryRequests(rx, count)).map((r) => JSON.parse(r.body));

describe("Huskar webhooks, as the seed's webhook API", () => {
  it("the Huskar events ship as a catalog file, with their application level and where their applications are", async () => {
    await importCatalog(key, huskarCatalog);
    const catalog = (await call("GET", "/v1/event-types", { token: key })).body.data as Array<{ name: string; application_level: boolean; applications_path: string | null }>;
    expect(catalog).toHaveLength(44);
    const level = Object.fromEntries(catalog.map((t) => [t.name, t.application_level]));
    expect(level).toMatchObject({ UPDATE_SWITCH: true, PROGRAM_UPDATE_ROUTE_STAGE: true, CREATE_TEAM: false, DISMISS_TEAM_ADMIN: false });
    expect(catalog.filter((t) => t.application_level)).toHaveLength(28);
    expect(new Set(catalog.map((t) => t.applications_path))).toEqual(new Set(["application_names"]));
  });

  it("creates a site webhook (webhook_type 1) and an application webhook (webhook_type 0)", async () => {
    // webhook_type=1 {webhook_url, event_list}: every event, whatever its applications
    const site = await call("POST", "/v1/hooks", { token: key, body: { name: "huskar-site", url: siteRx.url("/payload"), events: ["UPDATE_SWITCH", "CREATE_TEAM"], payload_format: "raw" } });
    // application test.webhook, webhook_type=0 {webhook_url, event_list}
    const app = await call("POST", "/v1/hooks", {
      token: key,
      body: { name: "test.webhook-switches", url: appRx.url("/payload"), events: ["UPDATE_SWITCH", "CREATE_TEAM"], applications: ["test.webhook"], payload_format: "raw" },
    });
    expect([site.status, app.status]).toEqual([201, 201]);
    // webhook {webhook_id, webhook_type, webhook_url, event_list}
    expect(site.body).toMatchObject({ applications: null, url: siteRx.url("/payload"), events: ["UPDATE_SWITCH", "CREATE_TEAM"] });
    expect(app.body).toMatchObject({ applications: ["test.webhook"], events: ["UPDATE_SWITCH", "CREATE_TEAM"] });
    siteId = site.body.id;
    appId = app.body.id;
    // only cataloged Huskar events
    expectErrorShape(await call("POST", "/v1/hooks", { token: key, body: { name: "x", url: siteRx.url(), events: ["UPDATE_SWITCHES"] } }), 422, "unprocessable");
  });

  it("the example delivery, published as Huskar sends it, reaches both: its applications are read from application_names", async () => {
    const event = await publish(key, { type: "UPDATE_SWITCH", payload: UPDATE_SWITCH });
    expect(event.deliveries).toBe(2);
    expect((await call("GET", `/v1/events/${event.id}`, { token: key })).body.applications).toEqual(["test.webhook"]);
    // POST /payload HTTP/1.1, Content-Type: application/json, the payload itself
    const [atApp] = await waitForDeliveryRequests(appRx, 1);
    expect(atApp!.path).toBe(`/r/${appRx.ns}/payload`);
    expect(atApp!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(atApp!.body)).toEqual(UPDATE_SWITCH);
    expect(await bodies(siteRx, 1)).toEqual([UPDATE_SWITCH]);
  });

  it("another application's event reaches the site webhook only; so does a producer's own applications list", async () => {
    const other = { ...UPDATE_SWITCH, application_names: ["foo.bar"], action_data: { ...UPDATE_SWITCH.action_data, application_name: "foo.bar" } };
    expect((await publish(key, { type: "UPDATE_SWITCH", payload: other })).deliveries).toBe(1);
    // `applications` given: the payload is not read
    expect((await publish(key, { type: "UPDATE_SWITCH", payload: UPDATE_SWITCH, applications: ["foo.bar"] })).deliveries).toBe(1);
    expect((await bodies(siteRx, 3)).map((b) => b.application_names)).toEqual([["test.webhook"], ["foo.bar"], ["test.webhook"]]);
    expect((await appRx.requests()).filter((r) => r.headers["webhook-id"]?.startsWith("dlv_"))).toHaveLength(1);
  });

  it("a team event (application level NO) never reaches the application webhook, even naming its application", async () => {
    const team = { application_names: ["test.webhook"], username: "san.zhang", user_type: 0, severity: 0, action_name: "CREATE_TEAM", action_data: { team_id: 1, team_name: "foo" } };
    expect((await publish(key, { type: "CREATE_TEAM", payload: team })).deliveries).toBe(1);
    expect((await bodies(siteRx, 4)).at(-1)).toEqual(team);
  });

  it("a payload whose application_names are not names is refused, not delivered unscoped", async () => {
    const res = await call("POST", "/v1/events", { token: key, body: { type: "UPDATE_SWITCH", payload: { ...UPDATE_SWITCH, application_names: "has space" } } });
    expectErrorShape(res, 422, "unprocessable");
    expect(res.body.error.details[0].path).toBe("payload.application_names");
  });

  it("an application-level gate is asked by the same rule", async () => {
    const gateRx = new Receiver();
    const gate = await call("POST", "/v1/hooks", { token: key, body: { name: "test.webhook-gate", url: gateRx.url("/gate"), phase: "pre", events: ["DELETE_SWITCH"], applications: ["test.webhook"] } });
    expect(gate.status).toBe(201);
    const asked = await call("POST", "/v1/gates/DELETE_SWITCH", { token: key, body: { payload: { ...UPDATE_SWITCH, action_name: "DELETE_SWITCH" } } });
    expect(asked.body.decisions.map((d: { hook_id: string }) => d.hook_id)).toEqual([gate.body.id]);
    expect(JSON.parse((await gateCalls(gateRx))[0]!.body).applications).toEqual(["test.webhook"]);
    await call("DELETE", `/v1/hooks/${gate.body.id}`, { token: key });
  });

  it("api.application_webhook: an application's webhooks", async () => {
    const listed = await call("GET", "/v1/hooks?application=test.webhook", { token: key });
    expect(listed.body.data.map((h: { id: string }) => h.id)).toEqual([appId]);
  });

  it("api.webhook_instance: get, update, delete", async () => {
    expect((await call("GET", `/v1/hooks/${siteId}`, { token: key })).body.events).toEqual(["UPDATE_SWITCH", "CREATE_TEAM"]);
    const updated = await call("PATCH", `/v1/hooks/${siteId}`, { token: key, body: { events: ["CREATE_CONFIG_CLUSTER"], url: siteRx.url("/v2") } });
    expect(updated.body).toMatchObject({ events: ["CREATE_CONFIG_CLUSTER"], url: siteRx.url("/v2") });
    expect((await call("DELETE", `/v1/hooks/${siteId}`, { token: key })).body.id).toBe(siteId);
  });

  it("only dangerous actions: a content filter on severity = 1", async () => {
    const dangerRx = new Receiver();
    const danger = await call("POST", "/v1/hooks", {
      token: key,
      body: { name: "dangerous-actions", url: dangerRx.url("/payload"), events: ["UPDATE_SWITCH", "DELETE_SWITCH"], payload_format: "raw", filter: { path: "data.severity", eq: 1 } },
    });
    expect(danger.status, JSON.stringify(danger.body)).toBe(201);
    const normal = { ...UPDATE_SWITCH, severity: 0 };
    await publish(key, { type: "UPDATE_SWITCH", payload: normal });
    await publish(key, { type: "DELETE_SWITCH", payload: { ...UPDATE_SWITCH, action_name: "DELETE_SWITCH" } });
    const received = await bodies(dangerRx, 1);
    expect(received.map((b) => [b.action_name, b.severity])).toEqual([["DELETE_SWITCH", 1]]);
    await call("DELETE", `/v1/hooks/${danger.body.id}`, { token: key });
  });
});
