import { and, eq } from "drizzle-orm";
import { getDb } from "../db/client";
import { accounts, hooks } from "../db/schema";
import { IDEMPOTENCY_WINDOW_MS } from "../durable/delivery-log";
import type { HookRef, OperationalOutbox, OutboxEntry } from "../durable/operational-outbox";
import { ulid } from "../domain/ids";
import { operationalPayload, type Transition } from "../domain/operational-events";
import type { Env } from "../env";
import { ApiError } from "../errors";
import type { EventRow } from "../log/records";
import { deliveryIdsOf } from "../log/writes";
import { errorDetail, log } from "../observability/log";
import { AccountLog } from "./account-log";
import { fanoutSnapshot } from "./fanout-cache";
import { planFanout, queueOrMarkUnsent } from "./fanout-plan";

// Publishes one operational event (src/domain/operational-events.ts) from a hook's Durable Object
// outbox into the account's own stream, by the path an account's publish takes: the account's
// fan-out (hooks and catalog, from isolate memory while current), ONE call to a shard of its
// delivery log (the event and its deliveries as one row, and the idempotency claim that makes a
// repeat after a crash answer the first event), then one queue message per delivery (no first
// attempt by this caller: it is an alarm, not a request). An event no hook subscribes to is not
// stored. Cost per operational event: one D1 read
// (the account and the hook, one batch; + one for the fan-out snapshot when the account's hooks
// changed), one Durable Object request and 2 rows written in the log ($0.15 + $2 per million), and
// per delivery a queue message ($1.20 per million) and the consumer's usual work.

/**
 * Publishes a hook's outbox (its held transitions whose interval ended included), oldest first, each
 * entry removed once its log took it. "retry": some could not be published; they stay for the
 * alarm's retry, and their idempotency key makes a publish the log took before a crash count once.
 * "gone": the hook (or its account) no longer exists, and neither does anything to announce.
 */
export async function publishOutbox(env: Env, outbox: OperationalOutbox, ref: HookRef | null, nowMs: number): Promise<"done" | "retry" | "gone"> {
  outbox.release(nowMs);
  let answer: "done" | "retry" = "done";
  for (const entry of outbox.entries()) {
    try {
      if (ref && (await publishOperationalEvent(env, ref, entry)) === "gone") return "gone";
      outbox.remove(entry.id);
    } catch (error) {
      answer = "retry";
      log("error", "publishing an operational event failed; the hook's object tries again", { hook_id: ref?.hookId, type: entry.type, error: errorDetail(error) });
    }
  }
  return answer;
}

/** A transition published now rather than through the outbox's alarm; kept in the outbox only if that fails (the alarm retries it). */
export async function publishAtOnce(env: Env, outbox: OperationalOutbox, ref: HookRef, transition: Transition): Promise<void> {
  try {
    await publishOperationalEvent(env, ref, { ...transition, suppressed: 0, id: ulid() });
  } catch (error) {
    log("error", "publishing an operational event failed; the hook's object tries again", { hook_id: ref.hookId, type: transition.type, error: errorDetail(error) });
    outbox.note(transition, Date.now());
  }
}

/** "dropped": nothing to publish (no hook subscribes, or fan-out refuses it for good); "gone": the hook or its account was deleted. */
export async function publishOperationalEvent(env: Env, ref: HookRef, entry: OutboxEntry): Promise<"published" | "dropped" | "gone"> {
  const db = getDb(env.DB);
  const [accountRows, hookRows] = await db.batch([
    db.select().from(accounts).where(eq(accounts.id, ref.accountId)),
    db.select({ name: hooks.name, applications: hooks.applications }).from(hooks).where(and(eq(hooks.id, ref.hookId), eq(hooks.accountId, ref.accountId))),
  ]);
  const account = accountRows[0];
  const hook = hookRows[0];
  if (!account || !hook) return "gone";
  const accountLog = new AccountLog(env.DELIVERY_LOG, account.id, account);
  const input = { type: entry.type, payload: operationalPayload(entry, { id: ref.hookId, name: hook.name }), applications: hook.applications ?? undefined };
  let hookIds: string[];
  let applications: string[] | null;
  try {
    const plan = planFanout(await fanoutSnapshot(db, account.id, account.fanoutVersion), input);
    hookIds = plan.hooks.map((h) => h.id);
    applications = plan.applications;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    log("error", "an operational event was refused by fan-out and is dropped", { hook_id: ref.hookId, type: entry.type, error: errorDetail(err) });
    return "dropped";
  }
  // Nobody subscribes: nothing is stored (an account that does not use these events pays no log write for them).
  if (hookIds.length === 0) return "dropped";
  const key = `hookrouter:${entry.id}`;
  const shard = accountLog.shardFor(key);
  const now = new Date();
  const row: EventRow = {
    id: accountLog.newId("evt", shard),
    accountId: account.id,
    type: entry.type,
    payload: JSON.stringify(input.payload),
    applications,
    workId: null,
    idempotencyKey: key,
    createdAt: now.toISOString(),
  };
  const idempotency = { key, liveAfter: new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS).toISOString() };
  const stored = await accountLog.shard(shard).publish({ meta: accountLog.meta(shard), event: row, hookIds, idempotency });
  if (!stored.repeated) await queueOrMarkUnsent(env.DELIVERIES, accountLog.shard(shard), account.id, row.id, deliveryIdsOf(row.id, hookIds.length));
  return "published";
}
