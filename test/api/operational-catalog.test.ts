import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { OPERATIONAL_EVENT_TYPES } from "../../src/domain/operational-events";

// hookrouter's operational events in the catalog routes: listed as built-in types on request, in
// every account's catalog (hooks may subscribe to them whatever the account catalogs), and not the
// account's to publish, create or delete.

let key: string;
beforeAll(async () => {
  ({ key } = await newAccount("op-catalog"));
});

describe("operational event types in the catalog", () => {
  it("are listed with include_built_in=true, after the account's own, with their payload schemas; not without it", async () => {
    expect((await call("GET", "/v1/event-types", { token: key })).body).toEqual({ data: [] });
    expect((await call("PUT", "/v1/event-types/job.done", { token: key, body: {} })).body).toMatchObject({ built_in: false, payload_schema: null });
    const list = (await call("GET", "/v1/event-types?include_built_in=true", { token: key })).body.data as any[];
    expect(list.map((t) => t.name)).toEqual(["job.done", ...OPERATIONAL_EVENT_TYPES]);
    const dead = list.find((t) => t.name === "hookrouter.delivery.dead");
    expect(dead).toMatchObject({ built_in: true, application_level: true, applications_path: null, created_at: null });
    expect(dead.payload_schema.properties).toHaveProperty("delivery_id");
    expect(dead.description).not.toBe("");
    expectErrorShape(await call("GET", "/v1/event-types?include_built_in=maybe", { token: key }), 400);
  });

  it("may be subscribed to though the account has a catalog without them; only such subscriptions take them", async () => {
    const res = await call("POST", "/v1/hooks", { token: key, body: { name: "ops", url: "https://example.com/ops", events: ["job.done", "hookrouter.*"] } });
    expect(res.status).toBe(201);
    const everything = await call("POST", "/v1/hooks", { token: key, body: { name: "everything", url: "https://example.com/all", events: ["*"] } });
    expect(everything.status).toBe(201);
    // The hook list and the matching agree: a catch-all hook takes job.done, not hookrouter's events.
    const listed = async (event: string) => ((await call("GET", `/v1/hooks?event=${event}`, { token: key })).body.data as any[]).map((h) => h.name).sort();
    expect(await listed("hookrouter.hook.disabled")).toEqual(["ops"]);
    expect(await listed("job.done")).toEqual(["everything", "ops"]);
    const active = await call("GET", "/v1/hooks/active?event=hookrouter.hook.disabled", { token: key });
    expect((active.body.data as any[]).map((h) => h.name)).toEqual(["ops"]);
  });

  it("are hookrouter's alone: publishing, cataloging or deleting a hookrouter.* type answers 422", async () => {
    const published = await call("POST", "/v1/events", { token: key, body: { type: "hookrouter.hook.disabled", payload: { hook_id: "hook_x" } } });
    expectErrorShape(published, 422, "unprocessable");
    expect(published.body.error.details[0].path).toBe("type");
    expectErrorShape(await call("PUT", "/v1/event-types/hookrouter.hook.disabled", { token: key, body: {} }), 422, "unprocessable");
    expectErrorShape(await call("DELETE", "/v1/event-types/hookrouter.delivery.dead", { token: key }), 422, "unprocessable");
    expect((await call("GET", "/v1/events?type=hookrouter.hook.disabled", { token: key })).body.data).toEqual([]);
  });

  it("are in the OpenAPI document as its webhooks: the envelope with each type's payload", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    expect(Object.keys(doc.webhooks)).toEqual([...OPERATIONAL_EVENT_TYPES]);
    const body = doc.webhooks["hookrouter.hook.circuit_opened"].post.requestBody.content["application/json"].schema;
    expect(body.properties.type.const).toBe("hookrouter.hook.circuit_opened");
    expect(body.properties.data.required).toEqual(expect.arrayContaining(["hook_id", "suppressed", "consecutive_failures"]));
  });
});
