import type { AccountContext } from "../context";
import { catalogProbe } from "../db/fanout-reads";
import { listAllHooks } from "../db/hooks";
import type { HookRow } from "../db/schema";
import { ConnectionSlots, OUTGOING_CONNECTIONS } from "../delivery/connection-slots";
import { buildBody, buildSignedRequest } from "../delivery/request";
import { deliverySecrets } from "../delivery/signing-secrets";
import { combineGates, decideGate, MAX_GATES_PER_CALL, uncallableGate, type GateOutcome, type GateVerdict } from "../domain/gates";
import { newId } from "../domain/ids";
import { selectHooks } from "../domain/matching";
import { checkHookTarget } from "../domain/tunnel";
import type { Config } from "../env";
import { ApiError } from "../errors";
import { eventApplications, payloadText } from "./payload";
import { sendToReceiver } from "./tunnels";

/** Who asks: the gates are the account's, and the run is recorded in its delivery log. */
type GateCaller = Pick<AccountContext, "db" | "config" | "accountId" | "log" | "grant">;

export interface GateInput {
  type: string;
  payload: Record<string, unknown>;
  applications?: string[];
  auth_id?: string;
}

/** One gate call's shared inputs: the same body goes to every gate of the run, through its connections. */
interface GateCallPlan {
  runId: string;
  body: string;
  config: Config;
  now: Date;
  connections: ConnectionSlots;
}

/**
 * Runs the account's pre-hooks for one action and records the run: every enabled `phase: "pre"`
 * hook the shared matching function selects is called, up to 6 at a time (the Worker's connections
 * in flight), each with its own timeout started when its request is sent: a gate waiting for a
 * connection is never timed out unsent. At most MAX_GATES_PER_CALL are called.
 */
export async function runGates(caller: GateCaller, input: GateInput): Promise<GateVerdict> {
  const payload = payloadText(input.payload);
  // Whole hook rows (the gates are called right away, so their urls and sealed secrets are needed).
  const [hooks, [cataloged]] = await Promise.all([listAllHooks(caller.db, caller.accountId), catalogProbe(caller.db, caller.accountId, input.type)]);
  if (cataloged && cataloged.name !== input.type) {
    throw ApiError.unprocessable(`event type "${input.type}" is not in the account's event-type catalog`, "type");
  }
  const applications = eventApplications(input.applications, cataloged?.applicationsPath ?? null, input.payload, caller.grant.applications);
  const gates = selectHooks(hooks, { type: input.type, applications, applicationLevel: cataloged?.applicationLevel, data: input.payload }, "pre");
  // Hook order (oldest first) decides whose work_id and context fields win: see combineGates.
  gates.sort((a, b) => (a.id < b.id ? -1 : 1));

  const now = new Date();
  const started = now.getTime();
  const shard = caller.log.shardFor();
  const runId = caller.log.newId("gate", shard);
  const generatedWorkId = newId("work");
  // Gates get the delivery envelope (whatever the hook's payload_format, which shapes deliveries
  // only): the run id as `id`, the proposed `work_id` and the requester's `auth_id` are what a gate
  // decides and correlates on, and a raw payload would carry none of them.
  const body = buildBody(
    { id: runId, type: input.type, createdAt: now.toISOString(), payload, applications, workId: generatedWorkId },
    "envelope",
    { auth_id: input.auth_id ?? null },
  );
  const plan: GateCallPlan = { runId, body, config: caller.config, now, connections: new ConnectionSlots(OUTGOING_CONNECTIONS) };
  const outcomes = await Promise.all(
    gates.map((hook, i) =>
      i < MAX_GATES_PER_CALL
        ? callGate(hook, plan)
        : uncallableGate(hook.id, hook.onError, `not called: more than ${MAX_GATES_PER_CALL} pre-hooks match this event type`),
    ),
  );
  const verdict = combineGates(outcomes, generatedWorkId);

  await caller.log.shard(shard).insertGateRun(caller.log.meta(shard), {
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
    createdAt: now.toISOString(),
  });
  return verdict;
}

/** Calls one gate with the signed request of the delivery contract and turns what it said into a decision. */
async function callGate(hook: HookRow, plan: GateCallPlan): Promise<GateOutcome> {
  if (hook.kind !== "webhook" || !hook.url) return uncallableGate(hook.id, hook.onError, `a ${hook.kind} hook cannot answer a gate`);
  const verdict = checkHookTarget(hook.url, plan.config.ALLOW_PRIVATE_TARGETS);
  if (!verdict.ok) return uncallableGate(hook.id, hook.onError, `url refused: ${verdict.reason}`);
  const req = await buildSignedRequest({
    url: hook.url,
    // Unique per (run, hook) like a delivery id, so a receiver that deduplicates by webhook-id
    // never drops one gate's call because it also serves another gate of the same run.
    webhookId: `${plan.runId}_${hook.id}`,
    body: plan.body,
    secrets: await deliverySecrets(hook, plan.config, plan.now),
    hookHeaders: hook.headers,
  });
  const sent = await plan.connections.run(() => sendToReceiver(hook.accountId, req, hook.timeoutMs ?? plan.config.GATE_TIMEOUT_MS));
  return decideGate(hook.id, hook.onError, sent);
}
