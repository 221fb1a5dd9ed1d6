import { describe, expect, it } from "vitest";
import { DEFAULT_TEST_EVENT_TYPE, samplePayload, testEventType } from "../../src/domain/test-event";
import { patternMatches } from "../../src/domain/matching";

describe("test event", () => {
  it("uses the requested type, else the hook's first subscription", () => {
    expect(testEventType(["model_version.created", "job_run.failed"], "job_run.failed")).toBe("job_run.failed");
    expect(testEventType(["model_version.created", "job_run.failed"])).toBe("model_version.created");
  });

  it("a hook subscribed to everything is tested with hookrouter.test", () => {
    expect(testEventType([])).toBe(DEFAULT_TEST_EVENT_TYPE);
    expect(testEventType(["*", "job_run.failed"])).toBe(DEFAULT_TEST_EVENT_TYPE);
  });

  it("a pattern becomes a name it matches", () => {
    for (const pattern of ["job_run.*", "*.failed", "a*b*c"]) {
      const type = testEventType([pattern]);
      expect(type).not.toContain("*");
      expect(patternMatches(pattern, type)).toBe(true);
    }
    expect(testEventType(["job_run.*"])).toBe("job_run.test");
  });

  it("the sample payload names the hook and says it is a test", () => {
    expect(samplePayload({ id: "hook_1", name: "ops" })).toMatchObject({ test: true, hook_id: "hook_1", hook_name: "ops" });
  });
});
