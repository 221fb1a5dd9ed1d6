import { beforeAll, describe, expect, it } from "vitest";
import { gateRunsTable } from "../../src/log/partitions";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { inLog } from "../helpers/log";
import { Receiver } from "../helpers/receiver";

// Bad input to the gate routes answers a 4xx with the error shape (never a 500) and records nothing.

let key: string;
let accountId: string;
let catalogKey: string;
let gateRx: Receiver;

beforeAll(async () => {
  ({ key, accountId } = await newAccount("gates-input"));
  ({ key: catalogKey } = await newAccount("gates-catalog"));
  for (const [name, application_level] of [["cluster.create", true], ["team.create", false]] as const) {
    const put = await call("PUT", `/v1/event-types/${name}`, { token: catalogKey, body: { application_level } });
    expect(put.status).toBe(200);
  }
  gateRx = new Receiver();
  await gateRx.script([], { status: 200, body: JSON.stringify({ approved: false, reason: "scoped gate" }) });
  const hook = await call("POST", "/v1/hooks", {
    token: catalogKey,
    body: { name: "scoped-gate", url: gateRx.url(), events: ["*"], applications: ["ccx"], phase: "pre" },
  });
  expect(hook.status).toBe(201);
});

/** The gate runs in the delivery log of `key`'s account (one shard), every day of it. */
const gateRunCount = () =>
  inLog(accountId, (db) => db.parts.days().reduce((n, day) => n + db.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${gateRunsTable(day)}`).one().n, 0));

describe("POST /v1/gates/{type} with bad input", () => {
  it("refuses a type outside the catalog with 422 when the account has one", async () => {
    const res = await call("POST", "/v1/gates/cluster.explode", { token: catalogKey, body: { payload: {} } });
    expectErrorShape(res, 422, "unprocessable");
    expect(res.body.error.message).toContain("cluster.explode");
    // a cataloged type is gated as usual (by the application-scoped gate)
    const ok = await call("POST", "/v1/gates/cluster.create", { token: catalogKey, body: { payload: {}, applications: ["ccx"] } });
    expect(ok.status).toBe(200);
    expect(ok.body.approved).toBe(false);
    expect(ok.body.decisions[0].reason).toBe("scoped gate");
  });

  it("keeps application-scoped gates out of a non-application-level catalog type", async () => {
    const res = await call("POST", "/v1/gates/team.create", { token: catalogKey, body: { payload: {}, applications: ["ccx"] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ approved: true, decisions: [] });
  });

  it("answers 413 for a payload over 256 KiB, both under and over the request body limit", async () => {
    const before = await gateRunCount();
    const justOver = await call("POST", "/v1/gates/big.one", { token: key, body: { payload: { blob: "x".repeat(256 * 1024) } } });
    expectErrorShape(justOver, 413, "payload_too_large");
    const wayOver = await call("POST", "/v1/gates/big.one", { token: key, body: { payload: { blob: "x".repeat(1024 * 1024) } } });
    expectErrorShape(wayOver, 413, "payload_too_large");
    expect(await gateRunCount()).toBe(before);
    // just under the limit is fine
    const under = await call("POST", "/v1/gates/big.one", { token: key, body: { payload: { blob: "x".repeat(250 * 1024) } } });
    expect(under.status).toBe(200);
    // and recorded: the count above is the one a recorded run moves
    expect(await gateRunCount()).toBe(before + 1);
  });

  it.each([
    ["malformed JSON", { rawBody: '{"payload": {', headers: { "content-type": "application/json" } }, 400, "invalid_json"],
    ["a JSON array body", { rawBody: "[1,2]", headers: { "content-type": "application/json" } }, 400, "validation_failed"],
    ["no payload", { body: { auth_id: "a" } }, 400, "validation_failed"],
    ["a payload that is not an object", { body: { payload: [1, 2] } }, 400, "validation_failed"],
    ["a null payload", { body: { payload: null } }, 400, "validation_failed"],
    ["an unknown field", { body: { payload: {}, work_id: "w" } }, 400, "validation_failed"],
    ["applications not an array", { body: { payload: {}, applications: "ccx" } }, 400, "validation_failed"],
    ["an application with a space", { body: { payload: {}, applications: ["a b"] } }, 400, "validation_failed"],
    ["an empty auth_id", { body: { payload: {}, auth_id: "" } }, 400, "validation_failed"],
    ["a numeric auth_id", { body: { payload: {}, auth_id: 7 } }, 400, "validation_failed"],
    ["an over-long auth_id", { body: { payload: {}, auth_id: "a".repeat(513) } }, 400, "validation_failed"],
    ["no content type", { rawBody: '{"payload":{}}' }, 415, "unsupported_media_type"],
    ["a text content type", { rawBody: '{"payload":{}}', headers: { "content-type": "text/plain" } }, 415, "unsupported_media_type"],
  ] as const)("refuses %s with %i %s", async (_what, opts, status, code) => {
    const before = await gateRunCount();
    const res = await call("POST", "/v1/gates/cluster.create", { token: key, ...(opts as object) });
    expectErrorShape(res, status, code);
    expect(await gateRunCount()).toBe(before);
  });

  it.each([
    ["a type with a space", "/v1/gates/cluster%20create"],
    ["a type over 128 characters", `/v1/gates/${"t".repeat(129)}`],
    ["a type with a slash", "/v1/gates/a%2Fb"],
  ])("refuses %s with 400", async (_what, path) => {
    const res = await call("POST", path, { token: key, body: { payload: {} } });
    expectErrorShape(res, 400, "validation_failed");
  });
});

describe("GET /v1/gates/{work_id} with bad input", () => {
  it("refuses an over-long, control-character or spaced work_id with 400", async () => {
    expectErrorShape(await call("GET", `/v1/gates/${"w".repeat(129)}`, { token: key }), 400, "validation_failed");
    expectErrorShape(await call("GET", "/v1/gates/a%0Ab", { token: key }), 400, "validation_failed");
    expectErrorShape(await call("GET", "/v1/gates/a%20b", { token: key }), 400, "validation_failed");
  });
});

describe("OpenAPI", () => {
  it("documents both gate routes from their zod schemas", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    expect(doc.paths["/v1/gates/{type}"].post.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/GateRequest");
    expect(Object.keys(doc.paths["/v1/gates/{type}"].post.responses)).toEqual(expect.arrayContaining(["200", "400", "413", "422"]));
    expect(doc.paths["/v1/gates/{work_id}"].get.responses["200"].content["application/json"].schema.$ref).toBe("#/components/schemas/WorkRecord");
    expect(doc.components.schemas.GateResult.required).toEqual(expect.arrayContaining(["approved", "work_id", "decisions", "context"]));
  });
});
