import { describe, expect, it } from "vitest";
import { configurationHealth, type HealthHook } from "../../src/domain/configuration-health";

// ricloud: an organisation needs a valid config; each key uses its own, or the organisation default.

const hook = (over: Partial<HealthHook> = {}): HealthHook => ({ applications: null, phase: "post", enabled: true, state: "valid", ...over });

describe("configurationHealth", () => {
  it("is ok when the default and every application have a valid hook", () => {
    const health = configurationHealth([hook(), hook({ applications: ["billing"] }), hook({ applications: ["billing", "search"], state: "invalid" }), hook({ applications: ["search"] })]);
    expect(health).toEqual({
      ok: true,
      default: { hooks: 1, valid_hooks: 1, valid: true },
      applications: [
        { application: "billing", hooks: 2, valid_hooks: 1, valid: true },
        { application: "search", hooks: 2, valid_hooks: 1, valid: true },
      ],
      problems: [],
    });
  });

  it("an account without hooks has no organisation default", () => {
    const health = configurationHealth([]);
    expect(health.ok).toBe(false);
    expect(health.default).toEqual({ hooks: 0, valid_hooks: 0, valid: false });
    expect(health.problems).toEqual([expect.stringMatching(/^no organisation default/)]);
  });

  it("names the default's and each application's problem, counting states", () => {
    const health = configurationHealth([
      hook({ state: "new" }),
      hook({ state: "invalid" }),
      hook({ applications: ["billing"], state: "invalid" }),
      hook({ applications: ["billing"], state: "new" }),
      hook({ applications: ["search"] }),
    ]);
    expect(health.ok).toBe(false);
    expect(health.default).toEqual({ hooks: 2, valid_hooks: 0, valid: false });
    expect(health.applications.map((a) => [a.application, a.valid])).toEqual([
      ["billing", false],
      ["search", true],
    ]);
    expect(health.problems).toEqual([
      "the organisation default has no valid hook: its 2 enabled hook(s) without applications are 1 new, 1 invalid",
      "billing: 2 enabled hook(s), none valid (1 invalid, 1 new): the fallback steps aside for them",
    ]);
  });

  it("counts only hooks that receive deliveries: not disabled, retired or pre-hooks", () => {
    const health = configurationHealth([
      hook({ enabled: false }),
      hook({ state: "deactivated" }),
      hook({ phase: "pre" }),
      hook({ applications: ["billing"], enabled: false }),
    ]);
    expect(health.default).toEqual({ hooks: 0, valid_hooks: 0, valid: false });
    expect(health.applications).toEqual([]); // billing's only hook is disabled: not listed
  });

  it("a portal session's applications: each reported, even without a hook, covered by a valid default", () => {
    const hooks = [hook(), hook({ applications: ["billing"], state: "invalid" }), hook({ applications: ["other"], state: "invalid" })];
    const health = configurationHealth(hooks, ["billing", "shop"]);
    expect(health.applications).toEqual([
      { application: "billing", hooks: 1, valid_hooks: 0, valid: false },
      { application: "shop", hooks: 0, valid_hooks: 0, valid: true },
    ]);
    expect(health.problems).toHaveLength(1); // billing; "other" is not the session's
    expect(configurationHealth([hook({ state: "invalid" })], ["shop"]).problems).toEqual(["shop: no hook of its own, and the organisation default has no valid hook"]);
  });
});
