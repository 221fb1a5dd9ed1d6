import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { createHook, testedHook } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// Endpoint tests and the hook state machine (new → valid / invalid), against real HTTP receivers: the automatic test of a
// `new` hook (its Durable Object's alarm) and `POST /v1/hooks/{id}/test`.

let key: string;

beforeAll(async () => {
  ({ key } = await newAccount("hook-tests"));
});

const getHook = async (id: string) => (await call("GET", `/v1/hooks/${id}`, { token: key })).body;

describe("the automatic test of a new hook", () => {
  it("a receiver answering 200 makes the hook valid; the test is a signed sample event", async () => {
    const rx = new Receiver();
    const created = await createHook(key, { url: rx.url("/hook"), events: ["job_run.failed", "job_run.*"] });
    expect(created.state).toBe("new");
    const hook = await testedHook(key, created.id);
    expect(hook.state).toBe("valid");
    expect(hook.last_test).toMatchObject({ success: true, response_status: 200, response_body: "ok", error_message: null, event_type: "job_run.failed" });

    const [req, ...more] = await rx.requests();
    expect(more).toHaveLength(0);
    // The same contract as a delivery: Standard Webhooks headers, verified with the hook's secret.
    const verified = new Webhook(created.secret).verify(req!.body, req!.headers) as any;
    expect(verified).toMatchObject({ type: "job_run.failed", data: { test: true, hook_id: created.id }, work_id: null });
    expect(req!.headers["user-agent"]).toMatch(/^hookrouter\//);
    expect(req!.headers["webhook-id"]).toMatch(/^test_/);
    expect(verified.id).toMatch(/^evt_/);
    expect(Date.parse(hook.last_test.tested_at)).not.toBeNaN();
  });

  it("a receiver answering 500 makes it invalid, with what the receiver said", async () => {
    const rx = new Receiver();
    await rx.script([], { status: 500, body: "boom" });
    const created = await createHook(key, { url: rx.url() });
    const hook = await testedHook(key, created.id);
    expect(hook.state).toBe("invalid");
    expect(hook.last_test).toMatchObject({ success: false, response_status: 500, response_body: "boom", error_message: "HTTP 500", event_type: "hookrouter.test" });
  });

  it("a receiver that cannot be reached makes it invalid", async () => {
    const rx = new Receiver();
    await rx.script([], { reset: true });
    const hook = await testedHook(key, (await createHook(key, { url: rx.url() })).id);
    expect(hook.state).toBe("invalid");
    expect(hook.last_test).toMatchObject({ success: false, response_status: null });
    expect(hook.last_test.error_message).toMatch(/connection failed/);
  });

  it("a raw-format hook is tested with the sample payload alone", async () => {
    const rx = new Receiver();
    const created = await createHook(key, { url: rx.url(), payload_format: "raw", headers: { "x-team": "ops" } });
    expect((await testedHook(key, created.id)).state).toBe("valid");
    const [req] = await rx.requests();
    expect(JSON.parse(req!.body)).toMatchObject({ test: true, hook_id: created.id });
    expect(req!.headers["x-team"]).toBe("ops");
    expect(() => new Webhook(created.secret).verify(req!.body, req!.headers)).not.toThrow();
  });

  it("changing the url of a valid hook returns it to new, then the new url's outcome", async () => {
    const good = new Receiver();
    const bad = new Receiver();
    await bad.script([], { status: 500 });
    const created = await createHook(key, { url: good.url() });
    expect((await testedHook(key, created.id)).state).toBe("valid");

    const patched = await call("PATCH", `/v1/hooks/${created.id}`, { token: key, body: { url: bad.url() } });
    expect(patched.status).toBe(200);
    expect(patched.body.state).toBe("new");
    const after = await testedHook(key, created.id);
    expect(after.state).toBe("invalid");
    expect(after.last_test.response_status).toBe(500);
    expect(await bad.requests()).toHaveLength(1);

    // And back to a working url: valid again.
    await call("PATCH", `/v1/hooks/${created.id}`, { token: key, body: { url: good.url("/v2") } });
    expect((await testedHook(key, created.id)).state).toBe("valid");
    expect((await good.requests()).map((r) => r.path)).toEqual([`/r/${good.ns}`, `/r/${good.ns}/v2`]);
  });

  it("a new secret is tested too, signed with it", async () => {
    const rx = new Receiver();
    const created = await createHook(key, { url: rx.url() });
    expect((await testedHook(key, created.id)).state).toBe("valid");
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const patched = await call("PATCH", `/v1/hooks/${created.id}`, { token: key, body: { secret } });
    expect(patched.body.state).toBe("new");
    expect((await testedHook(key, created.id)).state).toBe("valid");
    const reqs = await rx.requests();
    expect(reqs).toHaveLength(2);
    expect(() => new Webhook(secret).verify(reqs[1]!.body, reqs[1]!.headers)).not.toThrow();
  });

  it("any other change re-tests too (ricloud); switching the hook off and on does not", async () => {
    const rx = new Receiver();
    const created = await createHook(key, { url: rx.url() });
    expect((await testedHook(key, created.id)).state).toBe("valid");
    const patched = await call("PATCH", `/v1/hooks/${created.id}`, { token: key, body: { description: "renamed", events: ["a.b"] } });
    expect(patched.body.state).toBe("new");
    expect((await testedHook(key, created.id)).state).toBe("valid");
    const reqs = await rx.requests();
    expect(reqs).toHaveLength(2);
    expect(JSON.parse(reqs[1]!.body).type).toBe("a.b"); // the test of the latest settings

    for (const body of [{ enabled: false }, { status: "ACTIVE" }]) {
      expect((await call("PATCH", `/v1/hooks/${created.id}`, { token: key, body })).body.state).toBe("valid");
    }
    await call("POST", `/v1/hooks/${created.id}/disable`, { token: key });
    await call("POST", `/v1/hooks/${created.id}/enable`, { token: key });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await rx.requests()).toHaveLength(2);
  });
});

describe("state transitions", () => {
  it("deactivated retires without a test; new re-tests; valid and invalid cannot be set", async () => {
    const rx = new Receiver();
    const created = await createHook(key, { url: rx.url() });
    expect((await testedHook(key, created.id)).state).toBe("valid");

    const retired = await call("PATCH", `/v1/hooks/${created.id}`, { token: key, body: { state: "deactivated" } });
    expect(retired.body.state).toBe("deactivated");
    for (const state of ["valid", "invalid"]) {
      expectErrorShape(await call("PATCH", `/v1/hooks/${created.id}`, { token: key, body: { state } }), 422, "unprocessable");
    }
    // A retired hook's new url is not tested: it stays retired.
    await call("PATCH", `/v1/hooks/${created.id}`, { token: key, body: { url: rx.url("/elsewhere") } });
    expect((await getHook(created.id)).state).toBe("deactivated");

    await rx.script([], { status: 503 });
    const revived = await call("PATCH", `/v1/hooks/${created.id}`, { token: key, body: { state: "new" } });
    expect(revived.body.state).toBe("new");
    expect((await testedHook(key, created.id)).state).toBe("invalid");
    expect((await rx.requests()).map((r) => r.path)).toEqual([`/r/${rx.ns}`, `/r/${rx.ns}/elsewhere`]);
  });
});

describe("POST /v1/hooks/{id}/test", () => {
  it("answers the outcome synchronously, sets the state and keeps it as last_test", async () => {
    const rx = new Receiver();
    await rx.script([], { status: 500, body: "down" });
    const created = await createHook(key, { url: rx.url(), events: ["model_version.created", "prompt.*"] });
    expect((await testedHook(key, created.id)).state).toBe("invalid");

    await rx.script([], { status: 204 });
    const res = await call("POST", `/v1/hooks/${created.id}/test`, { token: key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      response_status: 204,
      response_body: "",
      error_message: null,
      tested_at: expect.any(String),
      event_type: "model_version.created",
    });
    const hook = await getHook(created.id);
    expect(hook.state).toBe("valid");
    expect(hook.last_test).toEqual(res.body);

    const reqs = await rx.requests();
    expect(reqs).toHaveLength(2);
    const verified = new Webhook(created.secret).verify(reqs[1]!.body, reqs[1]!.headers) as any;
    expect(verified).toMatchObject({ type: "model_version.created", data: { test: true } });
  });

  it("sends the event type asked for, and a failure makes the hook invalid", async () => {
    const rx = new Receiver();
    const created = await createHook(key, { url: rx.url(), events: ["prompt.*"] });
    expect((await testedHook(key, created.id)).state).toBe("valid");
    expect((await rx.requests())[0]!.body).toContain('"type":"prompt.test"');

    await rx.script([], { status: 404, body: "no such route" });
    const res = await call("POST", `/v1/hooks/${created.id}/test`, { token: key, body: { event_type: "prompt.tag.set" } });
    expect(res.body).toMatchObject({ success: false, response_status: 404, response_body: "no such route", error_message: "HTTP 404", event_type: "prompt.tag.set" });
    expect((await getHook(created.id)).state).toBe("invalid");
    expect(JSON.parse((await rx.requests())[1]!.body).type).toBe("prompt.tag.set");
  });

  it("a deactivated hook can be tested but stays deactivated", async () => {
    const rx = new Receiver();
    const created = await createHook(key, { url: rx.url() });
    await testedHook(key, created.id);
    await call("PATCH", `/v1/hooks/${created.id}`, { token: key, body: { state: "deactivated" } });
    const res = await call("POST", `/v1/hooks/${created.id}/test`, { token: key, body: {} });
    expect(res.body.success).toBe(true);
    expect((await getHook(created.id)).state).toBe("deactivated");
  });

  it("refuses a bad event type, another account's hook and a missing key", async () => {
    const rx = new Receiver();
    const created = await createHook(key, { url: rx.url() });
    await testedHook(key, created.id);
    expectErrorShape(await call("POST", `/v1/hooks/${created.id}/test`, { token: key, body: { event_type: "no spaces" } }), 400, "validation_failed");
    expectErrorShape(await call("POST", `/v1/hooks/${created.id}/test`, { token: key, body: { event_type: "a.b", extra: 1 } }), 400, "validation_failed");
    const other = await newAccount("other");
    expectErrorShape(await call("POST", `/v1/hooks/${created.id}/test`, { token: other.key }), 404, "not_found");
    expectErrorShape(await call("POST", `/v1/hooks/hook_01JD3Z5Q3W9X4Y2V8N6M1K0P7R/test`, { token: key }), 404, "not_found");
    // Only the automatic test reached the receiver.
    expect(await rx.requests()).toHaveLength(1);
  });
});

describe("OpenAPI", () => {
  it("documents the test route, its result and the hook's live fields", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    const route = doc.paths["/v1/hooks/{id}/test"].post;
    expect(route.requestBody.required).toBe(false);
    expect(Object.keys(route.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "404"]));
    expect(Object.keys(doc.components.schemas.HookTestResult.properties)).toEqual(
      expect.arrayContaining(["success", "response_status", "response_body", "error_message", "tested_at"]),
    );
    expect(doc.components.schemas.Hook.properties.circuit.enum).toEqual(["closed", "open", "half_open"]);
    expect(doc.components.schemas.Hook.properties.last_test).toBeDefined();
  });
});
