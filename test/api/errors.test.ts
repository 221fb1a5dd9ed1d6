import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, expectErrorShape, newAccount } from "../helpers/api";

// The one error shape, {error: {code, message, details}}, for every kind of failure the app itself
// produces (not only schema validation): routing, body parsing, media type, size, auth.

describe("the JSON error shape", () => {
  it("answers an unknown route with 404 not_found, as JSON", async () => {
    for (const [method, path] of [
      ["GET", "/"],
      ["GET", "/nope"],
      ["GET", "/v1"],
      ["GET", "/v1/nope"],
      ["DELETE", "/health"],
      ["POST", "/openapi.json"],
    ] as const) {
      const res = await call(method, path);
      expectErrorShape(res, 404, "not_found");
      expect(res.headers.get("content-type"), path).toMatch(/^application\/json/);
      expect(res.body.error.message).toContain(path);
    }
  });

  it("answers malformed JSON with 400 invalid_json", async () => {
    for (const raw of ["{", '{"name": }', "nul", "{'name': 'single quotes'}", '{"name": "x"} trailing']) {
      const res = await call("POST", "/v1/accounts", { token: ADMIN_TOKEN, rawBody: raw, headers: { "content-type": "application/json" } });
      expectErrorShape(res, 400, "invalid_json");
    }
  });

  it("answers an empty body where one is required with 400", async () => {
    const res = await call("POST", "/v1/accounts", { token: ADMIN_TOKEN, rawBody: "", headers: { "content-type": "application/json" } });
    expectErrorShape(res, 400);
  });

  it("answers a body that is not JSON with 415 unsupported_media_type", async () => {
    for (const type of ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"]) {
      const res = await call("POST", "/v1/accounts", { token: ADMIN_TOKEN, rawBody: '{"name":"x"}', headers: { "content-type": type } });
      expectErrorShape(res, 415, "unsupported_media_type");
      expect(res.body.error.message).toMatch(/application\/json/);
    }
  });

  it("accepts JSON with a charset parameter", async () => {
    const res = await call("POST", "/v1/accounts", { token: ADMIN_TOKEN, rawBody: '{"name":"x"}', headers: { "content-type": "application/json; charset=utf-8" } });
    expect(res.status).toBe(201);
  });

  it("answers a body over the limit with 413 payload_too_large, before anything is read or written", async () => {
    const big = JSON.stringify({ name: "x".repeat(400 * 1024) });
    const res = await call("POST", "/v1/accounts", { token: ADMIN_TOKEN, rawBody: big, headers: { "content-type": "application/json" } });
    expectErrorShape(res, 413, "payload_too_large");
    // also when the client does not say how long the body is (a stream, no content-length)
    const stream = new Blob([big]).stream();
    const { exports } = await import("cloudflare:workers");
    const streamed = await (exports as any).default.fetch(
      new Request("http://hookrouter.test/v1/accounts", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(streamed.status).toBe(413);
    expect((await streamed.json()).error.code).toBe("payload_too_large");
  });

  it("names every failing field in details, with a path and a message", async () => {
    const { key } = await newAccount("details");
    const res = await call("POST", "/v1/hooks", { token: key, body: { name: "", url: 5, events: ["bad event"], phase: "x" } });
    expectErrorShape(res, 400, "validation_failed");
    const paths = res.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(["events.0", "name", "phase", "url"]);
    for (const d of res.body.error.details) expect(d.message.length).toBeGreaterThan(0);
  });
});
