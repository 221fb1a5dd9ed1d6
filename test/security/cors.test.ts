import { describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";

// This project sets CORS_ORIGINS=https://portal.example.com.
const ALLOWED = "https://portal.example.com";

describe("CORS when CORS_ORIGINS is configured", () => {
  it("answers a preflight from a configured origin and exposes the headers a browser client needs", async () => {
    const preflight = await call("OPTIONS", "/v1/hooks", {
      headers: { origin: ALLOWED, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();

    const { key } = await newAccount();
    const list = await call("GET", "/v1/hooks", { token: key, headers: { origin: ALLOWED } });
    expect(list.status).toBe(200);
    expect(list.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(list.headers.get("access-control-expose-headers")).toContain("retry-after");
    expect(list.headers.get("x-content-type-options")).toBe("nosniff");

    // Errors carry the CORS headers too, so a browser client can read the error body.
    const denied = await call("GET", "/v1/hooks", { headers: { origin: ALLOWED } });
    expectErrorShape(denied, 401, "unauthorized");
    expect(denied.headers.get("access-control-allow-origin")).toBe(ALLOWED);
  });

  it("gives another origin nothing", async () => {
    const preflight = await call("OPTIONS", "/v1/hooks", {
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const { key } = await newAccount();
    const list = await call("GET", "/v1/hooks", { token: key, headers: { origin: "https://evil.example" } });
    expect(list.headers.get("access-control-allow-origin")).toBeNull();
  });
});
