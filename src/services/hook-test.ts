import type { RequestContext } from "../context";
import { nowIso, type Db } from "../db/client";
import { findHook, setTestedState } from "../db/hooks";
import type { HookRow } from "../db/schema";
import type { EventForDelivery } from "../domain/event-for-delivery";
import { UnreadableSecretError } from "../crypto/secret-box";
import { notSent, type SendResult } from "../delivery/http-sender";
import { applyEffects } from "../delivery/send-effects";
import { sendDelivery } from "../delivery/send";
import { newId, ulid } from "../domain/ids";
import { samplePayload, testEventType } from "../domain/test-event";

// Endpoint tests: one sample event sent synchronously through the same request builder, signer and
// senders as real deliveries. The outcome sets the hook's state (`valid`/`invalid`, the state machine
// of docs/hook-state.md) and is kept by the hook's Durable Object as `last_test`.

export interface HookTestResult {
  success: boolean;
  response_status: number | null;
  response_body: string | null;
  error_message: string | null;
  tested_at: string;
  event_type: string;
}

/** What a test needs: the database and the configuration (a request's, or the hook's Durable Object's). */
type TestDeps = Pick<RequestContext, "db" | "config">;

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
  const sent = await sendTest(deps, hook, event);
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
 * A secret (the hook's, or the Slack token) this hookrouter cannot open is the test's failure, not
 * a crash: the hook cannot be delivered to until an operator restores the key or a new secret is set,
 * and saying so beats a 500 or an alarm retried by the runtime. (The queue consumer treats the same
 * error as a crash on purpose: a delivery keeps its retries while an operator restores the key.)
 */
async function sendTest(deps: TestDeps, hook: HookRow, event: EventForDelivery): Promise<SendResult> {
  try {
    const sent = await sendDelivery({ ...deps, now: new Date() }, hook, event, `test_${ulid()}`);
    await applyEffects(deps.db, sent.effects, nowIso());
    return sent;
  } catch (err) {
    if (!(err instanceof UnreadableSecretError)) throw err;
    return notSent(
      `not sent: a secret this hook needs cannot be decrypted (${err.message}): put that key back in ENCRYPTION_KEYS_PREVIOUS, or give the hook a new secret (a Slack hook: reconnect the workspace)`,
    );
  }
}

/**
 * The outcome sets `valid` or `invalid`, but only if the hook still has the url, channel and secret
 * that were tested (a change made meanwhile has its own test coming) and has not been retired.
 */
export async function applyTestOutcome(db: Db, hook: HookRow, result: HookTestResult): Promise<HookRow | undefined> {
  return setTestedState(db, hook, result.success ? "valid" : "invalid", nowIso());
}

export type ScheduledTestOutcome =
  /** `changed`: the state it moved the hook from and to, when it moved it (an operational event). */
  | { kind: "tested"; result: HookTestResult; changed: StateChange | null }
  /** No longer `new` (tested by hand, or retired, meanwhile): nothing to do. */
  | { kind: "not_new" }
  /** Deleted: its Durable Object's state is an orphan. */
  | { kind: "gone" };

/** The automatic test of a `new` hook (run by its Durable Object's alarm). */
export async function runScheduledTest(deps: TestDeps, accountId: string, hookId: string): Promise<ScheduledTestOutcome> {
  const hook = await findHook(deps.db, accountId, hookId);
  if (!hook) return { kind: "gone" };
  if (hook.state !== "new") return { kind: "not_new" };
  const result = await runHookTest(deps, hook);
  return { kind: "tested", result, changed: stateChange(hook, await applyTestOutcome(deps.db, hook, result)) };
}

export interface StateChange {
  from: HookRow["state"];
  to: HookRow["state"];
}

/** What a test's outcome did to the hook's state, if anything (`after`: the row it wrote, if it wrote one). */
export function stateChange(before: HookRow, after: HookRow | undefined): StateChange | null {
  return after && after.state !== before.state ? { from: before.state, to: after.state } : null;
}
