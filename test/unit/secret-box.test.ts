import { describe, expect, it } from "vitest";
import { SealedIn, SecretBox, UnreadableSecretError } from "../../src/crypto/secret-box";

// A sealed value opens only in the row and column it was sealed for (its additional data).

const KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const box = await SecretBox.create(KEY);

describe("SecretBox bindings", () => {
  it.each([
    ["another hook's secret", SealedIn.hookSecret("hook_B")],
    ["the same hook's previous secret", SealedIn.hookPreviousSecret("hook_A")],
    ["a Slack token", SealedIn.slackToken("hook_A")],
  ])("a hook secret sealed for hook_A does not open as %s", async (_what, place) => {
    const sealed = await box.seal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", SealedIn.hookSecret("hook_A"));
    expect(await box.open(sealed, SealedIn.hookSecret("hook_A"))).toBe("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    await expect(box.open(sealed, place)).rejects.toThrow(UnreadableSecretError);
  });

  it("a Slack token sealed for one account does not open for another", async () => {
    const sealed = await box.seal("xoxb-account-a", SealedIn.slackToken("acct_A"));
    await expect(box.open(sealed, SealedIn.slackToken("acct_B"))).rejects.toThrow(/sealed for another row or column/);
  });

  it("a bound value cannot be passed off as an unbound one by rewriting its version", async () => {
    const sealed = await box.seal("whsec_x", SealedIn.hookSecret("hook_A"));
    expect(box.isCurrent(sealed)).toBe(true);
    await expect(box.open(sealed.replace(/^v2\./, "v1."), SealedIn.hookSecret("hook_B"))).rejects.toThrow(UnreadableSecretError);
  });
});
