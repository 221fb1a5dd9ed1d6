// Pre-hook (gate) decisions: what one gate's answer counts as, and what a run of gates comes to.
// Pure, so the rules are unit-tested without a network (test/unit/gates.test.ts).

/** What sending one gate request came to (the fields of `SendResult` a decision reads). */
export interface GateSendOutcome {
  ok: boolean;
  status: number | null;
  body: string | null;
  error: string | null;
  durationMs: number;
}

export interface GateDecision {
  hook_id: string;
  approved: boolean;
  reason?: string;
  /** Set when the gate did not give a usable answer; `approved` is then its `on_error`. */
  error?: string;
  duration_ms: number;
}

/** One gate's decision plus what its answer contributes to the run. */
export interface GateOutcome {
  decision: GateDecision;
  workId: string | null;
  extra: Array<[string, unknown]>;
}

/**
 * The most pre-hooks one gate call reaches. A Worker has 6 connections in flight, so 12 gates are
 * two rounds of sends (each timer starts when its request is sent: the run lasts at most about two
 * gate timeouts), and 12 fetches plus the run's 3 D1 calls stay far below the 50 subrequests of a
 * Workers Free invocation. Enforced when a hook is saved (422), and again at call time for hooks
 * saved otherwise: those past the cap are not called and count as their `on_error`.
 */
export const MAX_GATES_PER_CALL = 12;

/** A work id, from a gate or a producer: printable ASCII without spaces (safe in a URL path, a header, a log). */
export const WORK_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
export const MAX_REASON_LENGTH = 1000;

/** Fields of a gate answer that are not copied into `context`. */
const RESERVED_ANSWER_FIELDS = new Set(["approved", "reason", "work_id"]);

type Parsed = { ok: true; approved: boolean; reason?: string; workId: string | null; extra: Array<[string, unknown]> } | { ok: false; error: string };

/**
 * A gate answer is a JSON object `{approved?: boolean, reason?: string, work_id?: string, ...extra}`.
 * Anything else is not an answer (the caller applies the hook's `on_error`). An object without
 * `approved` approves: a pre-hook of an action it may not refuse (removing a node, deleting a cluster)
 * answers only `{work_id}`, whose work_id must still reach the post-hook. A present `approved` must be a boolean:
 * reading `"false"` or `0` as anything would let a broken gate decide by accident.
 */
export function parseGateAnswer(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: "the answer is not JSON (or is over 4 KiB)" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, error: "the answer is not a JSON object" };
  const answer = value as Record<string, unknown>;
  if (answer.approved !== undefined && typeof answer.approved !== "boolean") return { ok: false, error: "`approved` must be a boolean" };
  if (answer.reason !== undefined && answer.reason !== null && typeof answer.reason !== "string") {
    return { ok: false, error: "`reason` must be a string" };
  }
  const rawWorkId = answer.work_id;
  let workId: string | null = null;
  // A gate may answer `"work_id": ""` when it has none: empty means "no opinion", like absent.
  if (rawWorkId !== undefined && rawWorkId !== null && rawWorkId !== "") {
    // The same rule POST /v1/events applies, so a work_id a gate hands out can always be published with.
    if (typeof rawWorkId !== "string" || !WORK_ID_PATTERN.test(rawWorkId)) {
      return { ok: false, error: "`work_id` must be 1 to 128 printable ASCII characters without spaces" };
    }
    workId = rawWorkId;
  }
  const extra = Object.entries(answer).filter(([k]) => !RESERVED_ANSWER_FIELDS.has(k));
  const reason = typeof answer.reason === "string" && answer.reason !== "" ? answer.reason.slice(0, MAX_REASON_LENGTH) : undefined;
  return { ok: true, approved: answer.approved !== false, reason, workId, extra };
}

/** One gate's decision: its answer when it gave a usable one, otherwise its `on_error`. */
export function decideGate(hookId: string, onError: "reject" | "approve", sent: GateSendOutcome): GateOutcome {
  const failed = (error: string) => uncallableGate(hookId, onError, error, sent.durationMs);
  if (!sent.ok) return failed(sent.error ?? (sent.status !== null ? `HTTP ${sent.status}` : "no answer"));
  const parsed = parseGateAnswer(sent.body ?? "");
  if (!parsed.ok) return failed(parsed.error);
  const decision: GateDecision = { hook_id: hookId, approved: parsed.approved, duration_ms: sent.durationMs };
  if (parsed.reason !== undefined) decision.reason = parsed.reason;
  return { decision, workId: parsed.workId, extra: parsed.extra };
}

/** A gate without a usable answer, or that could not be called at all (e.g. its URL is refused now): counts per `on_error`. */
export function uncallableGate(hookId: string, onError: "reject" | "approve", error: string, durationMs = 0): GateOutcome {
  return { decision: { hook_id: hookId, approved: onError === "approve", error, duration_ms: durationMs }, workId: null, extra: [] };
}

export interface GateVerdict {
  approved: boolean;
  work_id: string;
  decisions: GateDecision[];
  context: Record<string, unknown>;
}

/**
 * The run's verdict: approved only if every gate approved (no gates: approved). Outcomes come in
 * hook order (oldest hook first), and the first gate to name a `work_id` or a context field wins,
 * so the result does not depend on which gate happened to answer first.
 */
export function combineGates(outcomes: readonly GateOutcome[], generatedWorkId: string): GateVerdict {
  const context = new Map<string, unknown>();
  for (const o of outcomes) for (const [k, v] of o.extra) if (!context.has(k)) context.set(k, v);
  return {
    approved: outcomes.every((o) => o.decision.approved),
    work_id: outcomes.find((o) => o.workId !== null)?.workId ?? generatedWorkId,
    decisions: outcomes.map((o) => o.decision),
    // fromEntries defines own properties, so a gate answering `"__proto__"` cannot reach a prototype.
    context: Object.fromEntries(context),
  };
}
