import type { z } from "@hono/zod-openapi";
import { SealedIn, secretBoxFor } from "../crypto/secret-box";
import type { AccountContext } from "../context";
import { sql } from "drizzle-orm";
import { isUniqueViolation, nowIso } from "../db/client";
import { deleteHook, findHook, insertHook, updateHook, type HookWrite } from "../db/hooks";
import { accounts, type HookRow } from "../db/schema";
import { newId } from "../domain/ids";
import { hookStateOf } from "../durable/hook-state";
import { releaseLine } from "../delivery/fifo";
import { ApiError } from "../errors";
import { errorDetail, log } from "../observability/log";
import { checkDeliveryTimeout, checkGateCap, checkShape, type Actor, type Shape } from "./hook-checks";
import { runHookTest, applyTestOutcome, stateChange, type HookTestResult } from "./hook-test";
import type { HookCreate, HookPatch } from "../schemas/hooks";
import { importSigningKey, newSigningKey } from "./hook-secrets";

type CreateInput = z.infer<typeof HookCreate>;
type PatchInput = z.infer<typeof HookPatch>;


/**
 * The fields a PATCH may name without re-testing the hook: switching it on or off (`enabled`, its
 * MLflow name `status`, as POST /enable and /disable do) and its `state`. Naming any other field
 * re-tests it, whatever the value (ricloud: every update of a config starts its test task).
 */
const PATCH_FIELDS_WITHOUT_RETEST = ["enabled", "status", "state"] as const;

/** `enabled` and MLflow's `status` are one setting: either, or both when they agree. */
function enabledOf(enabled: boolean | undefined, status: "ACTIVE" | "DISABLED" | undefined): boolean | undefined {
  if (status === undefined) return enabled;
  if (enabled !== undefined && enabled !== (status === "ACTIVE")) {
    throw ApiError.validation("status and enabled disagree", [{ path: "status", message: `status ${status} means enabled ${status === "ACTIVE"}` }]);
  }
  return status === "ACTIVE";
}

/**
 * Whether the hook's deliveries are signed. Unsigned only when asked for (`signed: false`), or on
 * create without a secret (MLflow's optional secret), and only in an account that allows it; a secret
 * given means signed.
 */
function signedOf(actor: Actor, signed: boolean | undefined, secretGiven: boolean, creating: boolean): boolean | undefined {
  if (signed === false) {
    if (secretGiven) throw ApiError.validation("a secret is for signing: signed false takes none", [{ path: "secret", message: "not with signed: false" }]);
    if (!actor.account.allowUnsignedDeliveries) {
      throw ApiError.unprocessable("this account does not allow unsigned deliveries: set allow_unsigned_deliveries with PATCH /v1/account first", "signed");
    }
    return false;
  }
  if (signed === true || secretGiven) return true;
  return creating ? !actor.account.allowUnsignedDeliveries : undefined;
}

/**
 * `signed` as written: unsigned only if the account still allows it when the row is written (one
 * statement), so a hook saved while the account turns unsigned deliveries off ends up signed.
 */
function signedColumn(actor: Actor, signed: boolean) {
  return signed ? true : sql<boolean>`(select not ${accounts.allowUnsignedDeliveries} from ${accounts} where ${accounts.id} = ${actor.accountId})`;
}

function duplicateName(name: string): ApiError {
  return ApiError.conflict(`a hook named "${name}" already exists in this account`);
}

export async function createHook(actor: Actor, input: CreateInput): Promise<{ hook: HookRow; secret: string | null }> {
  const shape: Shape = {
    kind: input.kind,
    url: input.url ?? null,
    slackChannelId: input.slack?.channel_id ?? null,
    applications: input.applications ?? null,
    fallback: input.fallback,
    events: input.events,
    transform: input.transform ?? null,
  };
  await checkShape(actor, shape, input.disable_ssl_verification);
  const enabled = enabledOf(input.enabled, input.status) ?? true;
  const signed = signedOf(actor, input.signed, input.secret !== undefined, true)!;
  // An unsigned hook gets a secret too, unused until it is signed (PATCH signed: true).
  const { secret, publicKey } = input.secret !== undefined ? await importSigningKey(input.signing_scheme, input.secret) : await newSigningKey(input.signing_scheme);
  const box = await secretBoxFor(actor.config);
  const now = nowIso();
  const id = newId("hook");
  const row: HookWrite = {
    id,
    accountId: actor.accountId,
    name: input.name,
    description: input.description,
    kind: input.kind,
    url: shape.url,
    slackChannelId: shape.slackChannelId,
    events: input.events,
    applications: shape.applications,
    fallback: input.fallback,
    phase: input.phase,
    onError: input.on_error,
    timeoutMs: input.timeout_ms ?? null,
    retrySchedule: input.retry_schedule ?? null,
    deliveryTimeoutMs: checkDeliveryTimeout(actor, input.delivery_timeout_ms) ?? null,
    finalStatuses: input.final_statuses ?? null,
    ordering: input.ordering,
    orderingOnDead: input.ordering_on_dead,
    enabled,
    rateLimitPerSecond: input.rate_limit_per_second ?? null,
    payloadFormat: input.payload_format,
    headers: input.headers,
    metadata: input.metadata,
    filter: input.filter ?? null,
    transform: input.transform ?? null,
    signingScheme: input.signing_scheme,
    publicKey,
    secretSealed: await box.seal(secret, SealedIn.hookSecret(id)),
    signed: signedColumn(actor, signed),
    state: "new",
    createdBy: actor.keyId,
    updatedBy: actor.keyId,
    createdByUserId: actor.actingUserId ?? null,
    updatedByUserId: actor.actingUserId ?? null,
    createdAt: now,
    updatedAt: now,
  };
  await checkGateCap(actor, { id, events: input.events, applications: shape.applications, fallback: input.fallback, phase: input.phase, enabled, state: "new" });
  let hook: HookRow;
  try {
    hook = await insertHook(actor.db, row);
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateName(input.name);
    throw err;
  }
  await queueTest(actor, hook);
  // A v1a hook's private key is never shown: its receivers verify with the public key.
  return { hook, secret: input.signing_scheme === "v1" ? secret : null };
}

/** A `new` hook is tested in the background (its Durable Object's alarm), by default at once. */
async function queueTest(actor: Actor, hook: HookRow): Promise<void> {
  await hookStateOf(actor.env.HOOK_STATE, hook.id).scheduleTest(hook.accountId, hook.id, actor.config.AUTO_TEST_DELAY_SECONDS * 1000);
}

/** Only these state changes can be asked for; `valid`/`invalid` are the outcome of a test. */
function nextState(current: HookRow["state"], wanted: PatchInput["state"]): HookRow["state"] | undefined {
  if (wanted === undefined) return undefined;
  if (wanted === "deactivated" || wanted === "new") return wanted === current ? undefined : wanted;
  throw ApiError.unprocessable(`state can be set to "new" (re-test) or "deactivated" (retire), not "${wanted}": that is the outcome of a test`, "state");
}

export async function patchHook(actor: Actor, id: string, input: PatchInput): Promise<HookRow> {
  const current = await findHook(actor.db, actor.accountId, id);
  if (!current) throw ApiError.notFound("hook");
  const shape: Shape = {
    kind: current.kind,
    url: input.url !== undefined ? input.url : current.url,
    slackChannelId: input.slack !== undefined ? input.slack.channel_id : current.slackChannelId,
    applications: input.applications !== undefined ? input.applications : (current.applications ?? null),
    fallback: input.fallback ?? current.fallback,
    events: input.events ?? current.events,
    transform: input.transform !== undefined ? input.transform : current.transform,
  };
  await checkShape(actor, shape, input.disable_ssl_verification);
  const enabled = enabledOf(input.enabled, input.status);
  const signed = signedOf(actor, input.signed, input.secret !== undefined, false);
  const set: Partial<HookWrite> = { updatedBy: actor.keyId, updatedByUserId: actor.actingUserId ?? null, updatedAt: nowIso() };
  if (input.name !== undefined) set.name = input.name;
  if (input.description !== undefined) set.description = input.description;
  if (input.url !== undefined) set.url = input.url;
  if (input.slack !== undefined) set.slackChannelId = input.slack.channel_id;
  if (input.events !== undefined) set.events = input.events;
  if (input.applications !== undefined) set.applications = input.applications;
  if (input.fallback !== undefined) set.fallback = input.fallback;
  if (input.phase !== undefined) set.phase = input.phase;
  if (input.on_error !== undefined) set.onError = input.on_error;
  if (input.timeout_ms !== undefined) set.timeoutMs = input.timeout_ms;
  if (input.retry_schedule !== undefined) set.retrySchedule = input.retry_schedule;
  if (input.delivery_timeout_ms !== undefined) set.deliveryTimeoutMs = checkDeliveryTimeout(actor, input.delivery_timeout_ms);
  if (input.final_statuses !== undefined) set.finalStatuses = input.final_statuses;
  if (input.ordering !== undefined) set.ordering = input.ordering;
  if (input.ordering_on_dead !== undefined) set.orderingOnDead = input.ordering_on_dead;
  if (enabled !== undefined) {
    set.enabled = enabled;
    set.disabledReason = enabled ? null : "disabled through the API";
  }
  if (signed !== undefined) set.signed = signedColumn(actor, signed);
  if (input.rate_limit_per_second !== undefined) set.rateLimitPerSecond = input.rate_limit_per_second;
  if (input.payload_format !== undefined) set.payloadFormat = input.payload_format;
  if (input.headers !== undefined) set.headers = input.headers;
  if (input.metadata !== undefined) set.metadata = input.metadata;
  if (input.filter !== undefined) set.filter = input.filter;
  if (input.transform !== undefined) set.transform = input.transform;
  // A new secret, or a new scheme (which takes a new key of its own): sealed, and tested again.
  const scheme = input.signing_scheme ?? current.signingScheme;
  const schemeChanged = scheme !== current.signingScheme;
  const rekeyed = input.secret !== undefined || schemeChanged;
  if (rekeyed) {
    const key = input.secret !== undefined ? await importSigningKey(scheme, input.secret) : await newSigningKey(scheme);
    set.secretSealed = await (await secretBoxFor(actor.config)).seal(key.secret, SealedIn.hookSecret(current.id));
    set.signingScheme = scheme;
    set.publicKey = key.publicKey;
  }
  const state = nextState(current.state, input.state);
  if (state) set.state = state;
  // Any change of what the hook is has not been shown to work yet: back to `new`, re-tested (as
  // ricloud re-tests every update). A retired hook stays retired until set back to `new` explicitly.
  const reconfigured = Object.keys(input).some((field) => !(PATCH_FIELDS_WITHOUT_RETEST as readonly string[]).includes(field));
  const retired = (set.state ?? current.state) === "deactivated";
  if (reconfigured && !retired) set.state = "new";
  if (set.events || set.phase || set.enabled || set.state || set.applications !== undefined) await checkGateCap(actor, { ...current, ...set } as HookRow);
  let updated: HookRow | undefined;
  try {
    updated = await updateHook(actor.db, actor.accountId, id, set);
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateName(input.name ?? current.name);
    throw err;
  }
  if (!updated) throw ApiError.notFound("hook");
  if (current.ordering === "fifo" && updated.ordering === "none") await releaseLine(actor.env, id);
  // Back to `new` (reconfigured, or asked for): re-tested.
  if (updated.state === "new" && (set.state === "new" || input.state === "new")) await queueTest(actor, updated);
  return updated;
}

export async function setHookEnabled(actor: Actor, id: string, enabled: boolean): Promise<HookRow> {
  if (enabled) {
    const current = await findHook(actor.db, actor.accountId, id);
    if (!current) throw ApiError.notFound("hook");
    if (!current.enabled) await checkGateCap(actor, { ...current, enabled: true });
  }
  const updated = await updateHook(actor.db, actor.accountId, id, {
    enabled,
    disabledReason: enabled ? null : "disabled through the API",
    failingSince: null,
    updatedBy: actor.keyId,
    updatedByUserId: actor.actingUserId ?? null,
    updatedAt: nowIso(),
  });
  if (!updated) throw ApiError.notFound("hook");
  // Enabled again by hand: its failure streak is forgotten, the breaker starts closed.
  if (enabled) await hookStateOf(actor.env.HOOK_STATE, id).resetFailures();
  return updated;
}

/**
 * Deletes a hook: its row first, in one statement, so the hook is gone for every reader at once and
 * a failure after it cannot leave a hook half-deleted; then its Durable Object's storage and queued
 * test (the bucket, breaker and last test must not outlive it). That second step is best-effort: a
 * leftover object is never addressed again (a hook created later gets another id), and if it still
 * has a test queued, its alarm finds the hook gone and clears it.
 */
export async function deleteHookAndState(actor: Pick<Actor, "db" | "accountId" | "env">, id: string): Promise<HookRow> {
  const hook = await deleteHook(actor.db, actor.accountId, id);
  if (!hook) throw ApiError.notFound("hook");
  try {
    await hookStateOf(actor.env.HOOK_STATE, hook.id).purge();
  } catch (err) {
    log("warn", "clearing a deleted hook's Durable Object failed (nothing reads it any more)", { hook_id: hook.id, error: errorDetail(err) });
  }
  return hook;
}

/**
 * `POST /v1/hooks/{id}/test`: test now, record the outcome, keep it as the hook's `last_test`. (Here,
 * not in ./hook-test.ts, which the hook's Durable Object runs: that module stays free of the object.)
 */
export async function testHookNow(ctx: Pick<AccountContext, "db" | "config" | "accountId" | "env">, hookId: string, eventType?: string): Promise<HookTestResult> {
  const hook = await findHook(ctx.db, ctx.accountId, hookId);
  if (!hook) throw ApiError.notFound("hook");
  const result = await runHookTest(ctx, hook, eventType);
  const changed = stateChange(hook, await applyTestOutcome(ctx.db, hook, result));
  const state = hookStateOf(ctx.env.HOOK_STATE, hook.id);
  await state.saveTestResult(result);
  // An operational event when the state moved (one more call to the object, only then).
  if (changed) await state.noteStateChange({ accountId: hook.accountId, hookId: hook.id }, changed.from, changed.to, result);
  return result;
}
