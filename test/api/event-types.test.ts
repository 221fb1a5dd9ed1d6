import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";

let key: string;

beforeAll(async () => {
  ({ key } = await newAccount("catalog"));
});

const put = (name: string, body: unknown = {}) => call("PUT", `/v1/event-types/${name}`, { token: key, body });
const createHook = (name: string, events: string[]) => call("POST", "/v1/hooks", { token: key, body: { name, url: "https://example.com/h", events } });

describe("the event-type catalog", () => {
  it("accepts any subscription while the account has no catalog", async () => {
    expect((await call("GET", "/v1/event-types", { token: key })).body).toEqual({ data: [] });
    expect((await createHook("before-catalog", ["anything.goes", "x.*"])).status).toBe(201);
  });

  it("creates, reads and updates types (PUT is an upsert that keeps created_at)", async () => {
    const first = await put("job_run.failed", { description: "A job run failed" });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ name: "job_run.failed", description: "A job run failed", application_level: true });
    await new Promise((r) => setTimeout(r, 5));
    const again = await put("job_run.failed", { description: "A run failed", application_level: false });
    expect(again.body).toMatchObject({ description: "A run failed", application_level: false, created_at: first.body.created_at });
    expect(again.body.updated_at > first.body.updated_at).toBe(true);
    for (const name of ["job_run.succeeded", "model_version.created", "UPDATE_SWITCH", "ns:thing-happened"]) expect((await put(name)).status).toBe(200);
    const list = await call("GET", "/v1/event-types", { token: key });
    expect(list.body.data.map((t: { name: string }) => t.name)).toEqual([
      "UPDATE_SWITCH",
      "job_run.failed",
      "job_run.succeeded",
      "model_version.created",
      "ns:thing-happened",
    ]);
  });

  it("then lets hooks subscribe only to cataloged names, or patterns matching one", async () => {
    expect((await createHook("exact", ["job_run.failed"])).status).toBe(201);
    expect((await createHook("pattern", ["job_run.*"])).status).toBe(201);
    expect((await createHook("suffix-pattern", ["*.created"])).status).toBe(201);
    expect((await createHook("everything", ["*"])).status).toBe(201);
    expect((await createHook("all-by-default", [])).status).toBe(201);

    const refused = await createHook("uncataloged", ["job_run.failed", "job_run.started", "experiment.*"]);
    expectErrorShape(refused, 422, "unprocessable");
    expect(refused.body.error.message).toContain("job_run.started");
    expect(refused.body.error.message).toContain("experiment.*");
    expect(refused.body.error.message).not.toContain("job_run.failed,");
    expect(refused.body.error.details[0].path).toBe("events");
    expect((await call("GET", "/v1/hooks/name-available?name=uncataloged", { token: key })).body.available).toBe(true);

    // the same rule on update
    const hook = (await createHook("to-patch", ["job_run.failed"])).body;
    expectErrorShape(await call("PATCH", `/v1/hooks/${hook.id}`, { token: key, body: { events: ["nope"] } }), 422, "unprocessable");
    expect((await call("PATCH", `/v1/hooks/${hook.id}`, { token: key, body: { events: ["UPDATE_SWITCH"] } })).status).toBe(200);
  });

  it("deletes a type; deleting it again answers 404", async () => {
    const del = await call("DELETE", "/v1/event-types/ns:thing-happened", { token: key });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ deleted: true });
    expectErrorShape(await call("DELETE", "/v1/event-types/ns:thing-happened", { token: key }), 404, "not_found");
    expectErrorShape(await createHook("after-delete", ["ns:thing-happened"]), 422);
  });

  it("refuses bad names and bodies with 400", async () => {
    for (const name of ["bad%20name", "job_run.*", "a".repeat(129), "slash%2Fname", "semi%3Bcolon"]) {
      expectErrorShape(await put(name), 400, "validation_failed");
    }
    expectErrorShape(await put("ok.name", { application_level: "no" }), 400, "validation_failed");
    expectErrorShape(await put("ok.name", { description: 5 }), 400, "validation_failed");
    expectErrorShape(await put("ok.name", { description: "d".repeat(2001) }), 400, "validation_failed");
    expectErrorShape(await put("ok.name", { colour: "blue" }), 400, "validation_failed");
    expectErrorShape(await call("PUT", "/v1/event-types/ok.name", { token: key, rawBody: "{", headers: { "content-type": "application/json" } }), 400, "invalid_json");
    expectErrorShape(await call("PUT", "/v1/event-types/ok.name", { token: key, rawBody: "{}", headers: { "content-type": "text/plain" } }), 415);
    expect((await call("GET", "/v1/event-types", { token: key })).body.data.map((t: { name: string }) => t.name)).not.toContain("ok.name");
  });
});
