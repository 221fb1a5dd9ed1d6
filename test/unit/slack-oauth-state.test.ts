import { describe, expect, it } from "vitest";
import { oauthStateKey, signOAuthState, verifyOAuthState } from "../../src/domain/slack-oauth-state";

const KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const OTHER_KEY = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
const now = Date.parse("2026-11-23T10:00:00Z");
const claims = { nonce: "n0123456789abcdef", accountId: "acc_01JD3Z5Q3W9X4Y2V8N6M1K0P7R", expiresAt: now / 1000 + 600, browserHash: "ab".repeat(32), replace: false };

describe("Slack OAuth state", () => {
  it("verifies a state it signed and gives back its claims", async () => {
    const key = await oauthStateKey(KEY);
    const state = await signOAuthState(key, claims);
    expect(state).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(await verifyOAuthState(key, state, now)).toEqual({ ok: true, claims });
  });

  it("refuses a state signed with another key, or whose claims were changed", async () => {
    const key = await oauthStateKey(KEY);
    const foreign = await signOAuthState(await oauthStateKey(OTHER_KEY), claims);
    expect(await verifyOAuthState(key, foreign, now)).toEqual({ ok: false, reason: "bad_signature" });

    const state = await signOAuthState(key, claims);
    const [, sig] = state.split(".");
    const otherAccount = btoa(JSON.stringify({ n: claims.nonce, a: "acc_someone_else", e: claims.expiresAt })).replace(/=+$/, "");
    expect(await verifyOAuthState(key, `${otherAccount}.${sig}`, now)).toEqual({ ok: false, reason: "bad_signature" });
    const flipped = state.slice(0, -2) + (state.endsWith("AA") ? "BA" : "AA");
    expect((await verifyOAuthState(key, flipped, now)).ok).toBe(false);
  });

  it("refuses an expired state, even with a good signature", async () => {
    const key = await oauthStateKey(KEY);
    const state = await signOAuthState(key, claims);
    expect((await verifyOAuthState(key, state, (claims.expiresAt - 1) * 1000)).ok).toBe(true);
    expect(await verifyOAuthState(key, state, (claims.expiresAt + 1) * 1000)).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses malformed states without throwing", async () => {
    const key = await oauthStateKey(KEY);
    for (const s of ["", ".", "abc", "a.b.c", "!!!.???", "eyJ9.AAAA", `.${"A".repeat(43)}`]) {
      const v = await verifyOAuthState(key, s, now);
      expect(v.ok, s).toBe(false);
    }
  });

  it("derives the MAC key from the encryption key without reusing it (different keys, different states)", async () => {
    const a = await signOAuthState(await oauthStateKey(KEY), claims);
    const b = await signOAuthState(await oauthStateKey(OTHER_KEY), claims);
    expect(a.split(".")[0]).toBe(b.split(".")[0]);
    expect(a.split(".")[1]).not.toBe(b.split(".")[1]);
  });
});
