// The event an endpoint test sends (`POST /v1/hooks/{id}/test` and the automatic test of a `new`
// hook). Its type defaults to the hook's first subscription (the usual webhook test); its payload is
// the documented sample below, so a receiver can recognise a test by `data.test === true`.

/** The type used when the hook subscribes to everything (no events, or `*` first). */
export const DEFAULT_TEST_EVENT_TYPE = "hookrouter.test";

/**
 * The type a test sends: the one asked for, else the hook's first subscription. A pattern is turned
 * into a name it matches by reading each `*` as `test` (`job_run.*` → `job_run.test`).
 */
export function testEventType(subscriptions: readonly string[], requested?: string): string {
  if (requested) return requested;
  const first = subscriptions[0];
  if (!first || first === "*") return DEFAULT_TEST_EVENT_TYPE;
  return first.replaceAll("*", "test").slice(0, 128);
}

export interface SamplePayload {
  test: true;
  message: string;
  hook_id: string;
  hook_name: string;
}

/** The sample payload of every test event (documented in docs/hook-state.md, "Testing a hook"). */
export function samplePayload(hook: { id: string; name: string }): SamplePayload {
  return {
    test: true,
    message: "This is a test event from hookrouter. Answer with a 2xx status to mark the hook valid.",
    hook_id: hook.id,
    hook_name: hook.name,
  };
}
