import { describe, expect, it } from "vitest";
import { budgetUnits, BUDGET_UNIT_BYTES, checkHookTarget, parseClientFrame, tunnelNameOf } from "../../src/domain/tunnel";

describe("tunnel urls", () => {
  it("name a tunnel only in the exact form tunnel://NAME", () => {
    expect(tunnelNameOf("tunnel://dev")).toBe("dev");
    expect(tunnelNameOf("tunnel://my-laptop-2")).toBe("my-laptop-2");
    for (const url of ["tunnel://Dev", "tunnel://dev/", "tunnel://dev/x", "tunnel://dev:1", "tunnel://-dev", "tunnel://dev-", "tunnel://", "https://dev", null]) {
      expect(tunnelNameOf(url), String(url)).toBeNull();
    }
    expect(tunnelNameOf(`tunnel://${"a".repeat(63)}`)).toBe("a".repeat(63));
    expect(tunnelNameOf(`tunnel://${"a".repeat(64)}`)).toBeNull();
  });

  it("are allowed hook targets whatever ALLOW_PRIVATE_TARGETS says; every other url still goes through the guard", () => {
    expect(checkHookTarget("tunnel://dev", false)).toMatchObject({ ok: true });
    expect(checkHookTarget("tunnel://dev", false).ok && checkHookTarget("tunnel://dev", false)).toMatchObject({ url: { href: "tunnel://dev" } });
    expect(checkHookTarget("TUNNEL://dev", true)).toMatchObject({ ok: false, reason: expect.stringContaining("tunnel://NAME") });
    expect(checkHookTarget("tunnel://dev/path", true)).toMatchObject({ ok: false });
    expect(checkHookTarget("http://127.0.0.1/", false)).toMatchObject({ ok: false, reason: expect.stringContaining("loopback") });
    expect(checkHookTarget("http://127.0.0.1/", true)).toMatchObject({ ok: true });
    expect(checkHookTarget("ftp://example.com/", true)).toMatchObject({ ok: false });
  });
});

describe("the CLI's messages", () => {
  it("are answers (headers optional) or errors to a request id; anything else is not one", () => {
    expect(parseClientFrame('{"type":"response","id":"r1","status":200,"body":"ok"}')).toEqual({ type: "response", id: "r1", status: 200, headers: {}, body: "ok" });
    expect(parseClientFrame('{"type":"response","id":"r1","status":500,"headers":{"x":"y"},"body":""}')).toMatchObject({ headers: { x: "y" } });
    expect(parseClientFrame('{"type":"response","id":"r1","error":"ECONNREFUSED"}')).toEqual({ type: "response", id: "r1", error: "ECONNREFUSED" });
    for (const text of ["", "ping", "[]", "null", '{"type":"request","id":"r1"}', '{"type":"response","status":200,"body":""}', '{"type":"response","id":"r1","status":"200","body":""}', '{"type":"response","id":"r1","status":200,"headers":{"x":1},"body":""}', '{"type":"response","id":"r1","status":200}']) {
      expect(parseClientFrame(text), text).toBeNull();
    }
  });
});

describe("the account's tunnel budget", () => {
  it("costs one unit per started 16 KiB, and at least one", () => {
    expect(budgetUnits(0)).toBe(1);
    expect(budgetUnits(1)).toBe(1);
    expect(budgetUnits(BUDGET_UNIT_BYTES)).toBe(1);
    expect(budgetUnits(BUDGET_UNIT_BYTES + 1)).toBe(2);
    expect(budgetUnits(256 * 1024 + 300)).toBe(17);
  });
});
