import { describe, expect, it } from "vitest";
import { combineGates, decideGate, parseGateAnswer, uncallableGate, type GateSendOutcome } from "../../src/domain/gates";

const answered = (body: string, status = 200): GateSendOutcome => ({ ok: status >= 200 && status < 300, status, body, error: status >= 300 ? `HTTP ${status}` : null, durationMs: 12 });

describe("parseGateAnswer", () => {
  it("reads approved, reason, work_id and keeps every other field as extra", () => {
    const p = parseGateAnswer('{"approved":false,"reason":"too many nodes","work_id":"w-1","user_id":"u1","n":2}');
    expect(p).toEqual({ ok: true, approved: false, reason: "too many nodes", workId: "w-1", extra: [["user_id", "u1"], ["n", 2]] });
  });

  it("treats an empty or null work_id (a gate's placeholder) as none", () => {
    expect(parseGateAnswer('{"approved":true,"work_id":""}')).toMatchObject({ ok: true, workId: null });
    expect(parseGateAnswer('{"approved":true,"work_id":null}')).toMatchObject({ ok: true, workId: null });
  });

  it("reads an answer without `approved` as approval, keeping its work_id (pre-hooks of actions they may not refuse)", () => {
    expect(parseGateAnswer('{"work_id":"w-del"}')).toEqual({ ok: true, approved: true, reason: undefined, workId: "w-del", extra: [] });
    expect(parseGateAnswer("{}")).toMatchObject({ ok: true, approved: true, workId: null });
  });

  it.each([
    ["not JSON", "ok", "not JSON"],
    ["an array", "[true]", "not a JSON object"],
    ["null", "null", "not a JSON object"],
    ["approved as a string", '{"approved":"true"}', "`approved` must be a boolean"],
    ["approved as a number", '{"approved":1}', "`approved` must be a boolean"],
    ["a non-string reason", '{"approved":false,"reason":{"x":1}}', "`reason`"],
    ["a numeric work_id", '{"approved":true,"work_id":7}', "`work_id`"],
    ["an over-long work_id", JSON.stringify({ approved: true, work_id: "w".repeat(129) }), "`work_id`"],
    ["a work_id with a newline", '{"approved":true,"work_id":"a\\nb"}', "`work_id`"],
    ["a work_id with a space", '{"approved":true,"work_id":"a b"}', "`work_id`"],
    ["a non-ASCII work_id", '{"approved":true,"work_id":"wörk"}', "`work_id`"],
  ])("refuses %s", (_what, body, message) => {
    const p = parseGateAnswer(body);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.error).toContain(message);
  });
});

describe("decideGate", () => {
  it("uses the answer of a 2xx", () => {
    expect(decideGate("hook_a", "reject", answered('{"approved":true}'))).toEqual({
      decision: { hook_id: "hook_a", approved: true, duration_ms: 12 },
      workId: null,
      extra: [],
    });
    expect(decideGate("hook_a", "approve", answered('{"approved":false,"reason":"no"}')).decision).toEqual({
      hook_id: "hook_a",
      approved: false,
      reason: "no",
      duration_ms: 12,
    });
  });

  it("applies on_error to a non-2xx (even one with an approving body), a timeout and an unparsable answer", () => {
    for (const onError of ["reject", "approve"] as const) {
      const expected = onError === "approve";
      const non2xx = decideGate("hook_a", onError, answered('{"approved":true}', 500));
      expect(non2xx.decision).toMatchObject({ approved: expected, error: "HTTP 500" });
      const timeout = decideGate("hook_a", onError, { ok: false, status: null, body: null, error: "timed out after 100 ms", durationMs: 100 });
      expect(timeout.decision).toMatchObject({ approved: expected, error: "timed out after 100 ms", duration_ms: 100 });
      const garbled = decideGate("hook_a", onError, answered("<html>"));
      expect(garbled.decision.approved).toBe(expected);
      expect(garbled.decision.error).toContain("not JSON");
      // an unusable answer contributes neither a work_id nor context
      const badApproved = decideGate("hook_a", onError, answered('{"approved":"yes","work_id":"w","user_id":"u"}'));
      expect(badApproved).toMatchObject({ workId: null, extra: [] });
      expect(uncallableGate("hook_a", onError, "url refused").decision).toEqual({ hook_id: "hook_a", approved: expected, error: "url refused", duration_ms: 0 });
    }
  });
});

describe("combineGates", () => {
  const ok = (id: string, body: object) => decideGate(id, "reject", answered(JSON.stringify(body)));

  it("approves with no gates, keeping the generated work_id and an empty context", () => {
    expect(combineGates([], "work_gen")).toEqual({ approved: true, work_id: "work_gen", decisions: [], context: {} });
  });

  it("approves only when every gate approves", () => {
    expect(combineGates([ok("a", { approved: true }), ok("b", { approved: true })], "w").approved).toBe(true);
    expect(combineGates([ok("a", { approved: true }), ok("b", { approved: false })], "w").approved).toBe(false);
  });

  it("takes the first gate's work_id and the first value of each context field, in hook order", () => {
    const v = combineGates(
      [
        ok("a", { approved: true, user_id: "u-a" }),
        ok("b", { approved: true, work_id: "w-b", user_id: "u-b", project_id: "p-b" }),
        ok("c", { approved: false, work_id: "w-c", organisation_id: "o-c" }),
      ],
      "work_gen",
    );
    expect(v.work_id).toBe("w-b");
    expect(v.context).toEqual({ user_id: "u-a", project_id: "p-b", organisation_id: "o-c" });
    expect(v.decisions.map((d) => d.hook_id)).toEqual(["a", "b", "c"]);
  });

  it("keeps a __proto__ field as a plain field instead of touching the prototype", () => {
    const v = combineGates([ok("a", JSON.parse('{"approved":true,"__proto__":{"polluted":true}}'))], "w");
    expect(Object.getPrototypeOf(v.context)).toBe(Object.prototype);
    expect((v.context as any).polluted).toBeUndefined();
    expect(JSON.stringify(v.context)).toBe('{"__proto__":{"polluted":true}}');
  });
});
