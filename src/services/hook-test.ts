import { nowIso, type Db } from "../db/client";
import { findHook, setTestedState } from "../db/hooks";
import type { HookRow } from "../db/schema";
import type { EventForDelivery } from "../delivery/request";
import { sendDelivery } from "../delivery/send";
import { newId, ulid } from "../domain/ids";
import { samplePayload, testEventType } from "../domain/test-event";
import type { Config, Env } from "../env";
import { ApiError } from "../errors";

// Endpoint tests: one sample event sent synchronously through the same request builder, signer and
// senders as real deliveries. The outcome sets the hook's state (`valid`/`invalid`, ricloud's state
// machine) and is kept by the hook's Durable Object as `last_test`.

export interface HookTestResult {
  success: boolean;
  response_status: number | null;
  response_body: string | null;
  error_message: string | null;
  tested_at: string;
  event_type: string;
}

export interface TestDeps {
  db: Db;
  config: Config;
}

/** Sends the test event to the hook and reports what happened; never throws for a failing receiver. */
export async function runHookTest(deps: TestDeps, hook: HookRow, requestedType?: string): Promise<HookTestResult> {
  const testedAt = nowIso();
  const type = testEventType(hook.events, requestedType);
  const event: EventForDelivery = {
    id: newId("evt"),
    type,
    createdAt: testedAt,
    payload: JSON.stringify(samplePayload(hook)),
    applications: hook.applications ?? null,
    workId: null,
  };
  // The consumer's own sender (it branches on the hook's kind: HTTP or Slack), with an id of its own:
  // not a stored delivery, and recognisable as a test's.
  const sent = await sendDelivery({ ...deps, now: new Date() }, hook, event, `test_${ulid()}`);
  return {
    success: sent.ok,
    response_status: sent.status,
    response_body: sent.body,
    error_message: sent.error,
    tested_at: testedAt,
    event_type: type,
  };
}

/**
 * The outcome sets `valid` or `invalid`, but only if the hook still has the url, channel and secret
 * that were tested (a change made meanwhile has its own test coming) and has not been retired.
 */
export async function applyTestOutcome(db: Db, hook: HookRow, result: HookTestResult): Promise<HookRow | undefined> {
  return setTestedState(db, hook, result.success ? "valid" : "invalid", nowIso());
}

/** `POST /v1/hooks/{id}/test`: test now, record the outcome, keep it as the hook's `last_test`. */
export async function testHookNow(
  deps: TestDeps & { accountId: string; hookStates: Env["HOOK_STATE"] },
  hookId: string,
  eventType?: string,
): Promise<HookTestResult> {
  const hook = await findHook(deps.db, deps.accountId, hookId);
  if (!hook) throw ApiError.notFound("hook");
  const result = await runHookTest(deps, hook, eventType);
  await applyTestOutcome(deps.db, hook, result);
  await deps.hookStates.get(deps.hookStates.idFromName(hook.id)).saveTestResult(result);
  return result;
}

/**
 * The automatic test of a `new` hook (run by its Durable Object's alarm). Nothing to do when the hook
 * is gone or no longer `new` (tested by hand, or retired, meanwhile). Answers the result to keep.
 */
export async function runScheduledTest(deps: TestDeps, accountId: string, hookId: string): Promise<HookTestResult | null> {
  const hook = await findHook(deps.db, accountId, hookId);
  if (!hook || hook.state !== "new") return null;
  const result = await runHookTest(deps, hook);
  await applyTestOutcome(deps.db, hook, result);
  return result;
}
