import { describe, expect, it } from "vitest";
import { applicationsAt, APPLICATIONS_PATH } from "../../src/domain/payload-applications";
import { UPDATE_SWITCH as huskar } from "../seeds/huskar-example";

// Huskar's events name their applications in the payload; a catalog entry says where.

describe("applicationsAt", () => {
  it("reads a list or a single name, top-level or nested", () => {
    expect(applicationsAt(huskar, "application_names")).toEqual({ ok: true, applications: ["test.webhook"] });
    expect(applicationsAt(huskar, "action_data.application_name")).toEqual({ ok: true, applications: ["test.webhook"] });
    expect(applicationsAt({ a: ["x", "y", "x"] }, "a")).toEqual({ ok: true, applications: ["x", "y"] });
    expect(applicationsAt({ a: [] }, "a")).toEqual({ ok: true, applications: [] });
  });

  it("reads nothing there as no applications", () => {
    expect(applicationsAt(huskar, "missing")).toEqual({ ok: true, applications: null });
    expect(applicationsAt(huskar, "action_data.missing")).toEqual({ ok: true, applications: null });
    expect(applicationsAt(huskar, "username.deeper")).toEqual({ ok: true, applications: null });
    expect(applicationsAt({ a: null }, "a")).toEqual({ ok: true, applications: null });
    expect(applicationsAt({ a: [{ b: "x" }] }, "a.0")).toEqual({ ok: true, applications: null }); // no array indexing
    expect(applicationsAt({}, "constructor")).toEqual({ ok: true, applications: null }); // own keys only
  });

  it("refuses what is not application names", () => {
    for (const bad of [1, true, { x: "y" }, ["ok", 2], ["has space"], ["a,b"], [""], ["x".repeat(129)], Array.from({ length: 101 }, (_, i) => `app${i}`)]) {
      const read = applicationsAt({ a: bad }, "a");
      expect(read.ok, JSON.stringify(bad).slice(0, 40)).toBe(false);
      if (!read.ok) expect(read.message).toMatch(/^payload\.a /);
    }
  });

  it("takes dotted paths of plain keys only", () => {
    for (const ok of ["application_names", "action_data.application_name", "a-b.c_d.E9"]) expect(APPLICATIONS_PATH.test(ok)).toBe(true);
    for (const bad of ["", ".a", "a.", "a..b", "a[0]", "$.a", "a b", "a.b.c.d.e.f.g.h.i"]) expect(APPLICATIONS_PATH.test(bad), bad).toBe(false);
  });
});
