import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, expectErrorShape, newAccount } from "../helpers/api";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectSecureHeaders(h: Headers): void {
  expect(h.get("x-content-type-options")).toBe("nosniff");
  expect(h.get("x-frame-options")).toBe("SAMEORIGIN");
  expect(h.get("strict-transport-security")).toMatch(/^max-age=\d+/);
  expect(h.get("referrer-policy")).toBe("no-referrer");
  expect(h.get("cross-origin-resource-policy")).toBe("same-origin");
  expect(h.get("x-powered-by")).toBeNull();
}

describe("response hardening (CORS_ORIGINS unset, as by default)", () => {
  it("puts the security headers and a request id on successful answers", async () => {
    const health = await call("GET", "/health");
    expect(health.status).toBe(200);
    expectSecureHeaders(health.headers);
    expect(health.headers.get("x-request-id")).toMatch(UUID);

    const { key } = await newAccount();
    const list = await call("GET", "/v1/hooks", { token: key });
    expect(list.status).toBe(200);
    expectSecureHeaders(list.headers);
    const other = await call("GET", "/v1/hooks", { token: key });
    expect(other.headers.get("x-request-id")).not.toBe(list.headers.get("x-request-id"));
  });

  it("echoes the request id in every kind of error body, with the security headers", async () => {
    const { key } = await newAccount();
    const errors = [
      [await call("GET", "/v1/hooks"), 401],
      [await call("GET", "/v1/nothing-here", { token: key }), 404],
      [await call("GET", "/v1/hooks/hook_01JD3Z5Q3W9X4Y2V8N6M1K0P7R", { token: key }), 404],
      [await call("POST", "/v1/hooks", { token: key, rawBody: "{not json", headers: { "content-type": "application/json" } }), 400],
      [await call("POST", "/v1/hooks", { token: key, body: { name: "" } }), 400],
      [await call("POST", "/v1/hooks", { token: key, rawBody: "name=x", headers: { "content-type": "text/plain" } }), 415],
      [await call("POST", "/v1/accounts", { token: ADMIN_TOKEN, rawBody: JSON.stringify({ name: "x".repeat(400_000) }), headers: { "content-type": "application/json" } }), 413],
      [await call("POST", "/v1/hooks", { token: key, body: { name: "private", url: "http://127.0.0.1/x" } }), 422],
    ] as const;
    for (const [answer, status] of errors) {
      expectErrorShape(answer, status);
      expectSecureHeaders(answer.headers);
      const id = answer.headers.get("x-request-id");
      expect(id).toMatch(UUID);
      expect(answer.body.error.request_id).toBe(id);
    }
  });

  it("keeps a well-formed incoming X-Request-Id and replaces a malformed one", async () => {
    const kept = await call("GET", "/v1/hooks", { headers: { "x-request-id": "trace-42_abc=" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-42_abc=");
    expect(kept.body.error.request_id).toBe("trace-42_abc=");
    const replaced = await call("GET", "/v1/hooks", { headers: { "x-request-id": "<script>alert(1)</script>" } });
    expect(replaced.headers.get("x-request-id")).toMatch(UUID);
    const tooLong = await call("GET", "/v1/hooks", { headers: { "x-request-id": "a".repeat(500) } });
    expect(tooLong.headers.get("x-request-id")).toMatch(UUID);
  });

  it("sends no CORS headers and answers no preflight when no origin is configured", async () => {
    const { key } = await newAccount();
    const simple = await call("GET", "/v1/hooks", { token: key, headers: { origin: "https://evil.example" } });
    expect(simple.status).toBe(200);
    expect(simple.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await call("OPTIONS", "/v1/hooks", {
      headers: { origin: "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });
    expectErrorShape(preflight, 404, "not_found"); // no route answers OPTIONS: not a CORS 204
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-headers")).toBeNull();
  });
});
