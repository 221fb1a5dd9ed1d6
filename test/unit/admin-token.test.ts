import { describe, expect, it } from "vitest";
import { ConfigError, getConfig, type Env } from "../../src/env";

// The admin token must be as strong as 32 random bytes (src/env.ts): the one rule, applied when the
// configuration is read, so a deployment with a weak token serves nothing (test/api/misconfiguration.test.ts).

const ENCRYPTION_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const configWith = (ADMIN_TOKEN: string) => () => getConfig({ ADMIN_TOKEN, ENCRYPTION_KEY } as unknown as Env);

describe("ADMIN_TOKEN strength", () => {
  it.each([
    ["64 hex digits", "a".repeat(32) + "0123456789abcdef0123456789abcdef"],
    ["43 base64url characters", "q3X_9-vB2kLmN8pQrStUvWxYz0123456789AbCdEfGh"],
    ["the base64 of 32 bytes", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="],
    ["78 digits", "1".repeat(78)],
  ])("accepts %s", (_what, token) => {
    expect(configWith(token)().ADMIN_TOKEN).toBe(token);
  });

  it.each([
    ["63 hex digits", "0123456789abcdef".repeat(4).slice(0, 63)],
    ["42 base64url characters", "q3X_9-vB2kLmN8pQrStUvWxYz0123456789AbCdEfG"],
    ["a 27-character word", "test-admin-token-0123456789"],
    ["16 characters, the old minimum", "sixteen-chars-ok"],
  ])("refuses %s, naming the variable and the rule", (_what, token) => {
    expect(configWith(token)).toThrow(ConfigError);
    expect(configWith(token)).toThrow(/ADMIN_TOKEN: must carry at least 32 random bytes/);
  });
});
