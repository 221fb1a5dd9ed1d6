// When a hook is disabled because of how its deliveries go. One pure rule, applied by the hook's
// Durable Object to its failure record (src/durable/hook-state.ts), and by the queue consumer to the
// hook's row when the object was not asked (a healthy hook's success) or could not be reached.

export interface HookHealth {
  /** When the current run of failures began (null while the hook is healthy). */
  failingSince: string | null;
}

export interface AttemptSummary {
  ok: boolean;
  status: number | null;
}

export type HealthChange =
  | { kind: "none" }
  /** The first failure after a success (or ever): the run of failures starts now. */
  | { kind: "started_failing"; at: string }
  /** A success ends the run of failures. */
  | { kind: "recovered" }
  | { kind: "disable"; reason: string };

/**
 * - 410 Gone: the receiver says the endpoint is gone for good → disable at once.
 * - a success clears the failure record;
 * - a failure starts it, and a failure after `autoDisableAfterSeconds` of nothing but failures
 *   disables the hook.
 */
export function healthAfterAttempt(hook: HookHealth, attempt: AttemptSummary, now: Date, autoDisableAfterSeconds: number): HealthChange {
  if (attempt.ok) return hook.failingSince ? { kind: "recovered" } : { kind: "none" };
  if (attempt.status === 410) return { kind: "disable", reason: "the receiver answered 410 Gone" };
  if (!hook.failingSince) return { kind: "started_failing", at: now.toISOString() };
  const failingFor = (now.getTime() - Date.parse(hook.failingSince)) / 1000;
  if (failingFor >= autoDisableAfterSeconds) {
    return {
      kind: "disable",
      reason: `every delivery failed for ${formatDuration(autoDisableAfterSeconds)} (failing since ${hook.failingSince})`,
    };
  }
  return { kind: "none" };
}

function formatDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? "" : "s"}`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600} hour${seconds === 3_600 ? "" : "s"}`;
  return `${seconds} seconds`;
}
