import { describe, expect, it } from "vitest";
import { hookWithinScope, portalTarget } from "../../src/domain/portal-access";
import { portalTokenKey, signPortalToken, verifyPortalToken } from "../../src/domain/portal-token";

const KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

describe("portalTarget", () => {
  it("opens the portal's account-wide routes", () => {
    for (const [m, p] of [["GET", "/v1/hooks"], ["POST", "/v1/hooks"], ["GET", "/v1/deliveries"], ["GET", "/v1/stats"], ["GET", "/v1/event-types"], ["HEAD", "/v1/hooks"], ["GET", "/v1/tunnels"]]) {
      expect(portalTarget(m!, p!), `${m} ${p}`).toEqual({ kind: "account" });
    }
  });

  it("names the hook or delivery a by-id route touches, decoded", () => {
    expect(portalTarget("GET", "/v1/hooks/hook_1")).toEqual({ kind: "hook", id: "hook_1" });
    expect(portalTarget("PATCH", "/v1/hooks/hook_1")).toEqual({ kind: "hook", id: "hook_1" });
    expect(portalTarget("POST", "/v1/hooks/hook%5F1/test")).toEqual({ kind: "hook", id: "hook_1" });
    for (const sub of ["enable", "disable", "test", "recover", "secret/rotate"]) expect(portalTarget("POST", `/v1/hooks/h/${sub}`)).toEqual({ kind: "hook", id: "h" });
    for (const sub of ["secret", "stats", "replays", "replays/rpl_1"]) expect(portalTarget("GET", `/v1/hooks/h/${sub}`)).toEqual({ kind: "hook", id: "h" });
    expect(portalTarget("GET", "/v1/deliveries/dlv_1")).toEqual({ kind: "delivery", id: "dlv_1" });
    expect(portalTarget("POST", "/v1/deliveries/dlv_1/retry")).toEqual({ kind: "delivery", id: "dlv_1" });
    expect(portalTarget("POST", "/v1/deliveries/dlv_1/resend")).toEqual({ kind: "delivery", id: "dlv_1" });
  });

  it("closes everything else", () => {
    const closed = [
      ["POST", "/v1/portal-sessions"],
      ["POST", "/v1/events"],
      ["GET", "/v1/tunnels/dev/connect"],
      ["GET", "/v1/events"],
      ["GET", "/v1/events/evt_1"],
      ["PUT", "/v1/event-types/a"],
      ["GET", "/v1/hooks/active"],
      ["GET", "/v1/hooks/name-available"],
      ["GET", "/v1/hooks/%61ctive"],
      ["POST", "/v1/hooks/h"],
      ["GET", "/v1/hooks/h/test"],
      ["POST", "/v1/hooks/h/secret"],
      ["POST", "/v1/hooks/h/unknown"],
      ["GET", "/v1/hooks/h/test/extra"],
      ["GET", "/v1/hooks/%E0%A4%A"],
      ["DELETE", "/v1/deliveries/dlv_1"],
      ["GET", "/v1/deliveries/dlv_1/retry"],
      ["GET", "/v1/deliveries/dlv_1/resend"],
      ["POST", "/v1/deliveries/dlv_1/replay"],
      ["POST", "/v1/gates/x"],
      ["GET", "/v1/slack/connect-url"],
      ["POST", "/v1/accounts"],
      ["GET", "/v1/hooks/"],
    ];
    for (const [m, p] of closed) expect(portalTarget(m!, p!), `${m} ${p}`).toBeNull();
  });
});

describe("hookWithinScope", () => {
  it("is true for hooks scoped to some of the session's applications and no other", () => {
    expect(hookWithinScope(["a"], ["a", "b"])).toBe(true);
    expect(hookWithinScope(["a", "b"], ["a", "b"])).toBe(true);
    expect(hookWithinScope(["a", "c"], ["a", "b"])).toBe(false);
    expect(hookWithinScope(null, ["a"])).toBe(false); // site-level or fallback: the whole account's
    expect(hookWithinScope([], ["a"])).toBe(false);
  });
});

describe("portal tokens", () => {
  it("carry account, key, applications and expiry, and refuse expiry and tampering", async () => {
    const key = await portalTokenKey(KEY);
    const claims = { accountId: "acc_1", keyId: "key_1", applications: ["a"], expiresAt: 2_000_000_000 };
    const token = await signPortalToken(key, claims);
    expect(token.startsWith("hrp_")).toBe(true);
    expect(await verifyPortalToken(key, token, 1_999_999_999_000)).toEqual({ ok: true, claims });
    expect(await verifyPortalToken(key, token, 2_000_000_000_000)).toEqual({ ok: false, reason: "expired" });
    expect((await verifyPortalToken(key, token.replace("hrp_", "hrk_"), 0)).ok).toBe(false);
    expect((await verifyPortalToken(key, `${token}x`, 0)).ok).toBe(false);
    const unscoped = await signPortalToken(key, { ...claims, applications: null });
    expect(await verifyPortalToken(key, unscoped, 0)).toEqual({ ok: true, claims: { ...claims, applications: null } });
  });
});
