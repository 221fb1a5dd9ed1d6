import type { AccountContext } from "../context";
import { findHook } from "../db/hooks";
import type { HookRow } from "../db/schema";
import type { DeliveryRow } from "../log/records";
import { enqueueDeliveries } from "../delivery/enqueue";
import { ulid } from "../domain/ids";
import { MAX_AGE_MS as FIRST_SUCCESS_MAX_AGE_MS } from "../log/first-successes";
import { ApiError } from "../errors";
import { surviveDisconnect } from "./keep-alive";
import { errorDetail, log } from "../observability/log";

// Manual redelivery (a retry, a hook's recover): each re-enqueued delivery gets ONE attempt, marked
// `manual` in its message, which is never rescheduled automatically. A `failed` delivery keeps its
// own automatic retry; `dead` and `skipped` ones go back to `pending` until the attempt is made. A
// recover takes a hook's failed, dead and skipped deliveries (a 410 or an auto-disable skips a
// whole backlog, which the recover after re-enabling the hook must bring back).

/** At most this many deliveries re-enqueued by one recover call (10 sendBatch calls). */
export const RECOVER_LIMIT = 1000;
/** A delivery is resent only after its event left the first-success window (src/log/first-successes.ts MAX_AGE_MS) and its flush. */
const RESEND_AFTER_MS = FIRST_SUCCESS_MAX_AGE_MS + 2000;

/** The account's log and queue (`env.DELIVERIES`); `waitUntil` keeps a requeue running if the client disconnects (see ./keep-alive.ts). */
export type DeliveryActor = Pick<AccountContext, "db" | "log" | "env" | "waitUntil">;

function requireDeliverable(hook: HookRow | undefined): void {
  if (!hook) throw ApiError.conflict("the delivery's hook was deleted; there is nothing to deliver it to");
  if (!hook.enabled || hook.state === "deactivated") throw ApiError.conflict("the hook is disabled or deactivated: enable it before redelivering");
}

/**
 * Marks the dead and skipped ones pending, enqueues all; if the queue refuses, nothing stays changed.
 * Under `waitUntil` (a reopened delivery must get its message); one whose message is lost all the
 * same is sent again by the sweep (the delivery log's alarm, src/log/upkeep.ts).
 */
function requeue(a: DeliveryActor, rows: Array<Pick<DeliveryRow, "id" | "status" | "messageToken">>): Promise<void> {
  return surviveDisconnect(a.waitUntil, reopenAndEnqueue(a, rows));
}

async function reopenAndEnqueue(a: DeliveryActor, rows: Array<Pick<DeliveryRow, "id" | "status" | "messageToken">>): Promise<void> {
  const ofStatus = (s: DeliveryRow["status"]) => rows.filter((r) => r.status === s).map((r) => r.id);
  const reopened = { dead: ofStatus("dead"), skipped: ofStatus("skipped"), succeeded: ofStatus("succeeded") };
  // A reopened delivery gets a new message token, carried by its new message (a ULID: the log's
  // alarm reads when it was sent from it). A `failed` one keeps its token, so its automatic retry still counts.
  const token = ulid();
  const reopenedIds = new Set([...reopened.dead, ...reopened.skipped, ...reopened.succeeded]);
  await a.log.perShard([...reopened.dead, ...reopened.skipped], (log, ids) => log.reopen(ids, token));
  await a.log.perShard(reopened.succeeded, (log, ids) => log.reopen(ids, token, true));
  try {
    await enqueueDeliveries(
      a.env.DELIVERIES,
      rows.map((r) => {
        const carried = reopenedIds.has(r.id) ? token : r.messageToken;
        return { delivery_id: r.id, account_id: a.log.accountId, manual: true, ...(carried === null ? {} : { token: carried }) };
      }),
    );
  } catch (err) {
    await a.log.perShard(reopened.dead, (log, ids) => log.restore(ids, "dead", token));
    await a.log.perShard(reopened.skipped, (log, ids) => log.restore(ids, "skipped", token));
    await a.log.perShard(reopened.succeeded, (log, ids) => log.restore(ids, "succeeded", token));
    log("error", "re-enqueueing deliveries failed", { error: errorDetail(err) });
    throw new ApiError(503, "internal_error", "the delivery queue is unavailable; nothing was changed, retry the request", [], { "Retry-After": "5" });
  }
}

export async function retryDelivery(a: DeliveryActor, id: string): Promise<{ delivery: DeliveryRow; eventType: string }> {
  const found = await a.log.findDelivery(id);
  if (!found) throw ApiError.notFound("delivery");
  const { status, hookId } = found.delivery;
  if (status === "pending") throw ApiError.conflict("the delivery is already queued for its first attempt");
  if (status === "succeeded") throw ApiError.conflict("the delivery already succeeded");
  requireDeliverable(await findHook(a.db, a.log.accountId, hookId));
  await requeue(a, [found.delivery]);
  return (await a.log.findDelivery(id))!;
}

/**
 * A resend: one more attempt of a delivery that succeeded (the receiver lost it, or wants it again),
 * under the same id and so the same `webhook-id`. Like a retry it is one manual attempt: a failure
 * leaves the delivery `dead` (retry brings it back), never rescheduled. Refused while the event is
 * under a minute old: its first success may still be on its way into the event's row
 * (src/log/first-successes.ts), where a second success of the same delivery must not go.
 */
export async function resendDelivery(a: DeliveryActor, id: string): Promise<{ delivery: DeliveryRow; eventType: string }> {
  const found = await a.log.findDelivery(id);
  if (!found) throw ApiError.notFound("delivery");
  const { status, hookId, createdAt } = found.delivery;
  if (status !== "succeeded") throw ApiError.conflict(`only a succeeded delivery is resent; this one is ${status} (POST /v1/deliveries/{id}/retry redelivers a failed, dead or skipped one)`);
  const wait = Math.ceil((Date.parse(createdAt) + RESEND_AFTER_MS - Date.now()) / 1000);
  if (wait > 0) throw new ApiError(409, "conflict", `a delivery can be resent once its event is a minute old: retry in ${wait} s`, [], { "Retry-After": String(wait) });
  requireDeliverable(await findHook(a.db, a.log.accountId, hookId));
  await requeue(a, [found.delivery]);
  return (await a.log.findDelivery(id))!;
}

export async function recoverHook(a: DeliveryActor, hookId: string, since: string): Promise<{ requeued: number; next_since: string | null }> {
  const hook = await findHook(a.db, a.log.accountId, hookId);
  if (!hook) throw ApiError.notFound("hook");
  requireDeliverable(hook);
  const rows = await a.log.findRecoverable(hook.id, since, RECOVER_LIMIT + 1);
  const page = rows.slice(0, RECOVER_LIMIT);
  if (page.length > 0) await requeue(a, page);
  return { requeued: page.length, next_since: rows.length > RECOVER_LIMIT ? page[page.length - 1]!.createdAt : null };
}
