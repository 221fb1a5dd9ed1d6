import { secretBoxFor, type SecretBox } from "../crypto/secret-box";
import { utf8 } from "../crypto/encoding";
import { nowIso, type Db } from "../db/client";
import { listEventTypes } from "../db/event-types";
import { insertGateRun } from "../db/gates";
import { listAllHooks } from "../db/hooks";
import type { HookRow } from "../db/schema";
import { sendHttp } from "../delivery/http-sender";
import { buildBody, buildSignedRequest } from "../delivery/request";
import { combineGates, decideGate, uncallableGate, type GateOutcome, type GateVerdict } from "../domain/gates";
import { newId } from "../domain/ids";
import { selectHooks } from "../domain/matching";
import { checkOutboundUrl } from "../domain/url-guard";
import type { Config } from "../env";
import { ApiError } from "../errors";

/** The largest payload a gate run accepts, as for events (the JSON text, in bytes). */
export const MAX_GATE_PAYLOAD_BYTES = 256 * 1024;

export interface GateCaller {
  db: Db;
  config: Config;
  accountId: string;
}

export interface GateInput {
  type: string;
  payload: unknown;
  applications?: string[];
  auth_id?: string;
}

/** One gate call's shared inputs: the same body goes to every gate of the run. */
interface GateCallPlan {
  runId: string;
  body: string;
  box: SecretBox;
  config: Config;
  now: string;
}

/**
 * Runs the account's pre-hooks for one action and records the run: every enabled `phase: "pre"`
 * hook the shared matching function selects is called at once, each with its own timeout, so the
 * run takes as long as its slowest gate, never the sum.
 */
export async function runGates(caller: GateCaller, input: GateInput): Promise<GateVerdict> {
  const payload = JSON.stringify(input.payload);
  if (utf8(payload).byteLength > MAX_GATE_PAYLOAD_BYTES) {
    throw new ApiError(413, "payload_too_large", `payload is over ${MAX_GATE_PAYLOAD_BYTES} bytes`);
  }
  const [hooks, catalog] = await Promise.all([listAllHooks(caller.db, caller.accountId), listEventTypes(caller.db, caller.accountId)]);
  const cataloged = catalog.find((t) => t.name === input.type);
  if (catalog.length > 0 && !cataloged) throw ApiError.unprocessable(`"${input.type}" is not in the account's event-type catalog`, "type");
  const applications = input.applications ?? null;
  const gates = selectHooks(hooks, { type: input.type, applications, applicationLevel: cataloged?.applicationLevel }, "pre");
  // Hook order (oldest first) decides whose work_id and context fields win: see combineGates.
  gates.sort((a, b) => (a.id < b.id ? -1 : 1));

  const started = Date.now();
  const now = nowIso();
  const runId = newId("gate");
  const generatedWorkId = newId("work");
  // Gates get the delivery envelope (whatever the hook's payload_format, which shapes deliveries
  // only): the run id as `id`, the proposed `work_id` and the requester's `auth_id` are what a gate
  // decides and correlates on, and a raw payload would carry none of them.
  const body = buildBody(
    { id: runId, type: input.type, createdAt: now, payload, applications, workId: generatedWorkId },
    "envelope",
    { auth_id: input.auth_id ?? null },
  );
  const plan: GateCallPlan = { runId, body, box: await secretBoxFor(caller.config), config: caller.config, now };
  const outcomes = await Promise.all(gates.map((hook) => callGate(hook, plan)));
  const verdict = combineGates(outcomes, generatedWorkId);

  await insertGateRun(caller.db, {
    id: runId,
    accountId: caller.accountId,
    workId: verdict.work_id,
    type: input.type,
    approved: verdict.approved,
    authId: input.auth_id ?? null,
    payload,
    applications,
    decisions: verdict.decisions,
    context: verdict.context,
    durationMs: Date.now() - started,
    createdAt: now,
  });
  return verdict;
}

/** Calls one gate with the signed request of the delivery contract and turns what it said into a decision. */
async function callGate(hook: HookRow, plan: GateCallPlan): Promise<GateOutcome> {
  if (hook.kind !== "webhook" || !hook.url) return uncallableGate(hook.id, hook.onError, `a ${hook.kind} hook cannot answer a gate`);
  const verdict = checkOutboundUrl(hook.url, plan.config.ALLOW_PRIVATE_TARGETS);
  if (!verdict.ok) return uncallableGate(hook.id, hook.onError, `url refused: ${verdict.reason}`);
  const req = await buildSignedRequest({
    url: hook.url,
    // Unique per (run, hook) like a delivery id, so a receiver that deduplicates by webhook-id
    // never drops one gate's call because it also serves another gate of the same run.
    webhookId: `${plan.runId}_${hook.id}`,
    body: plan.body,
    secrets: await signingSecrets(hook, plan.box, plan.now),
    hookHeaders: hook.headers,
  });
  const sent = await sendHttp(req, hook.timeoutMs ?? plan.config.GATE_TIMEOUT_MS);
  return decideGate(hook.id, hook.onError, sent);
}

/** The hook's secret, plus the previous one while a rotation's grace period is open. */
async function signingSecrets(hook: HookRow, box: SecretBox, now: string): Promise<string[]> {
  const secrets = [await box.open(hook.secretSealed)];
  if (hook.previousSecretSealed && hook.previousSecretExpiresAt && hook.previousSecretExpiresAt > now) {
    secrets.push(await box.open(hook.previousSecretSealed));
  }
  return secrets;
}
