import { describe, expect, it } from "vitest";
import { applicationsForKey, FULL_GRANT, grantAllows, grantExceeds, requestedGrant, type KeyGrant } from "../../src/domain/api-scopes";

// The rules of scoped keys, without I/O: what a grant allows, what a key may mint, and the
// applications an event published with a key concerns.

const reader: KeyGrant = { scopes: ["hooks:read", "keys:write"], applications: ["alpha", "beta"] };

describe("grants", () => {
  it("no scopes is every scope; a list is exactly its scopes", () => {
    expect(grantAllows(FULL_GRANT, "tunnels:connect")).toBe(true);
    expect(grantAllows(reader, "hooks:read")).toBe(true);
    expect(grantAllows(reader, "hooks:write")).toBe(false);
  });

  it("a key mints within its own grant: left-out parts are its own, extra scopes or applications are named", () => {
    expect(requestedGrant({}, reader)).toEqual(reader);
    expect(requestedGrant({ scopes: ["hooks:read", "hooks:read"] }, reader)).toEqual({ scopes: ["hooks:read"], applications: ["alpha", "beta"] });
    expect(grantExceeds(requestedGrant({ scopes: ["hooks:read"], applications: ["beta"] }, reader), reader)).toBeNull();
    expect(grantExceeds({ scopes: ["hooks:read", "hooks:write"], applications: ["alpha"] }, reader)).toMatchObject({ path: "scopes", message: expect.stringContaining("hooks:write") });
    expect(grantExceeds({ scopes: ["hooks:read"], applications: ["gamma"] }, reader)).toMatchObject({ path: "applications", message: expect.stringContaining("gamma") });
    // Full access is stronger than any list; a full-access key mints anything.
    expect(grantExceeds(FULL_GRANT, reader)).toMatchObject({ path: "scopes" });
    expect(grantExceeds({ scopes: ["hooks:read"], applications: null }, reader)).toMatchObject({ path: "applications" });
    expect(grantExceeds(FULL_GRANT, FULL_GRANT)).toBeNull();
    expect(grantExceeds(reader, FULL_GRANT)).toBeNull();
  });
});

describe("applicationsForKey", () => {
  it("labels an event naming none with the key's applications, keeps one within them, and names the others", () => {
    expect(applicationsForKey(null, ["alpha"])).toEqual({ ok: true, applications: ["alpha"] });
    expect(applicationsForKey([], ["alpha"])).toEqual({ ok: true, applications: ["alpha"] });
    expect(applicationsForKey(["beta"], ["alpha", "beta"])).toEqual({ ok: true, applications: ["beta"] });
    expect(applicationsForKey(["alpha", "gamma", "delta"], ["alpha"])).toEqual({ ok: false, outside: ["gamma", "delta"] });
  });

  it("changes nothing for a key bound to no application", () => {
    expect(applicationsForKey(null, null)).toEqual({ ok: true, applications: null });
    expect(applicationsForKey(["gamma"], null)).toEqual({ ok: true, applications: ["gamma"] });
  });
});
