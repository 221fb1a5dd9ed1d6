import type { AccountContext, PortalScope } from "../context";
import { attemptFirst, FIRST_ATTEMPTS } from "../delivery/first-attempt";
import { joinAtPublish } from "../delivery/fifo";
import { IDEMPOTENCY_WINDOW_MS, type DeliveryLog } from "../durable/delivery-log";
import { MAX_POSITION } from "../domain/log-ids";
import { isReservedEventType } from "../domain/operational-events";
import { hookWithinScope } from "../domain/portal-access";
import { ApiError } from "../errors";
import { deliveryIdsOf } from "../log/writes";
import type { EventRow } from "../log/records";
import { fanoutSnapshot, type FanoutSnapshot } from "./fanout-cache";
import { MAX_FANOUT, planFanout, queueOrMarkUnsent, type PublishInput } from "./fanout-plan";
import { surviveDisconnect } from "./keep-alive";
import { payloadText } from "./payload";
import { errorDetail, log } from "../observability/log";

export { IDEMPOTENCY_WINDOW_MS };

/**
 * Fan-out: ONE request does it all. Per event: the account's hooks and catalog from isolate memory
 * when warm (./fanout-cache.ts: its version is read with the API key) or one D1 read; ONE call to
 * the account shard's delivery log, which stores the event and all its deliveries as one row before
 * the answer; the first FIRST_ATTEMPTS deliveries attempted by this Worker after its answer
 * (src/delivery/first-attempt.ts), the rest in ceil((N - 12) / 100) `sendBatch` calls, 6 in flight at
 * a time. No D1 write at all. At this cap that is about 1 + 100 + 16 subrequests, within the 1,000 a
 * paid Worker may make. Accounts with more matching hooks than this are refused (422) rather than
 * half-served.
 */
export { MAX_FANOUT };

/**
 * Who publishes: the bindings (the first attempts run the queue consumer's code, src/delivery/first-attempt.ts,
 * and the rest go to `env.DELIVERIES`), the account's `fanout_version` (read with its API key: whether a
 * cached snapshot is current), and `waitUntil`, which keeps the publish running if the client disconnects.
 */
type Publisher = Pick<AccountContext, "env" | "config" | "db" | "log" | "account" | "waitUntil" | "grant">;

export interface Published {
  event: EventRow;
  deliveries: number;
  /** An idempotent repeat: the first event, nothing created. */
  repeated: boolean;
}

/**
 * Runs under `waitUntil`: between the log's write and the last `sendBatch` a cancelled request would
 * leave deliveries without a message. Those (and any whose message is lost) are sent again by the
 * log's alarm (src/log/upkeep.ts).
 */
export function publishEvent(p: Publisher, input: PublishInput, headerKey: string | undefined): Promise<Published> {
  if (isReservedEventType(input.type)) throw ApiError.unprocessable(`event types beginning with "hookrouter." are hookrouter's own operational events: only hookrouter publishes them`, "type");
  return surviveDisconnect(p.waitUntil, publish(p, input, headerKey));
}

async function publish(p: Publisher, input: PublishInput, headerKey: string | undefined): Promise<Published> {
  const key = idempotencyKeyOf(headerKey, input.idempotency_key);
  const payload = payloadText(input.payload);
  const now = new Date();
  const liveAfter = new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS).toISOString();
  const shard = p.log.shardFor(key);
  const logShard = p.log.shard(shard);
  const idempotency = key ? { key, liveAfter } : undefined;

  let hookIds: string[];
  let fifo: Set<string>;
  let applications: string[] | null;
  try {
    const plan = planFanout(await fanoutSnapshot(p.db, p.log.accountId, p.account.fanoutVersion), input, p.grant.applications);
    hookIds = plan.hooks.map((h) => h.id);
    fifo = new Set(plan.hooks.filter((h) => h.ordering === "fifo").map((h) => h.id));
    applications = plan.applications;
  } catch (err) {
    // A repeat answers the first event even if it would no longer be accepted (say, its type left the catalog).
    const first = idempotency && err instanceof ApiError ? await logShard.claimed(idempotency.key, idempotency.liveAfter) : null;
    if (first) return { event: first.event, deliveries: first.deliveries, repeated: true };
    throw err;
  }
  const row: EventRow = {
    id: p.log.newId("evt", shard),
    accountId: p.log.accountId,
    type: input.type,
    payload,
    applications,
    workId: input.work_id ?? null,
    idempotencyKey: key ?? null,
    createdAt: now.toISOString(),
  };
  // Durable in the log before the answer; never undone afterwards (a repeat answers this event).
  const stored = await logShard.publish({ meta: p.log.meta(shard), event: row, hookIds, idempotency });
  if (stored.repeated) return { event: stored.event, deliveries: stored.deliveries, repeated: true };

  const all = deliveryIdsOf(row.id, hookIds.length).map((id, i) => ({ id, hookId: hookIds[i]! }));
  // A FIFO hook's delivery joins its hook's line before the answer (src/delivery/fifo.ts); only
  // those cost the calls: `fifo` is empty for every other publish.
  const ordered = fifo.size === 0 ? [] : all.filter((d) => fifo.has(d.hookId));
  const unjoined = ordered.length === 0 ? [] : await joinAtPublish(p.env, row.accountId, ordered);
  if (unjoined.length > 0) await logShard.unsent(unjoined).catch((error) => log("error", "marking deliveries unsent failed; the log's alarm finds them after its grace", { event_id: row.id, error: errorDetail(error) }));
  const unordered = ordered.length === 0 ? all : all.filter((d) => !fifo.has(d.hookId));
  const ids = unordered.map((d) => d.id);
  // The first deliveries are attempted by this Worker after its answer (unless the deployment turned
  // that off); the rest go through the queue.
  const first = p.waitUntil && p.config.FIRST_ATTEMPTS_BY_PUBLISHER ? Math.min(FIRST_ATTEMPTS, ids.length) : 0;
  if (first > 0) {
    const attempted = unordered.slice(0, first);
    p.waitUntil!(attemptFirst(p.env, row, attempted).catch((error) => log("error", "the first attempt failed; the delivery log sends it again", { event_id: row.id, error: errorDetail(error) })));
  }
  const queued = ids.slice(first);
  // The event is stored: should the queue refuse, its deliveries are sent by the log's alarm, seconds from now.
  if (queued.length > 0) await queueOrMarkUnsent(p.env.DELIVERIES, logShard, row.accountId, row.id, queued);
  return { event: row, deliveries: hookIds.length, repeated: false };
}

/** What a replay made: the new deliveries' ids, in the order of their hooks. */
export interface Replayed {
  eventId: string;
  deliveryIds: string[];
}

/**
 * A replay: the stored event (same id, type and payload) delivered again to the hooks it matches now,
 * or to the named ones, as NEW deliveries (new ids, so new `webhook-id`s) appended to the event. Its
 * messages go through the queue; should that fail, the log's alarm sends them (as for a publish).
 */
export async function replayEvent(p: Publisher & Pick<AccountContext, "portal">, eventId: string, hookIds: string[] | undefined): Promise<Replayed> {
  const holder = p.log.holderOf(eventId);
  const found = holder ? await holder.event(eventId) : null;
  if (!holder || !found) throw ApiError.notFound("event");
  const { event } = found;
  const snapshot = await fanoutSnapshot(p.db, p.log.accountId, p.account.fanoutVersion);
  if (p.portal) requirePortalReplay(p.portal, snapshot, found.deliveries, hookIds);
  // Matched as a publish of it would be now: its payload and work_id count for content filters.
  const input = { type: event.type, payload: JSON.parse(event.payload) as Record<string, unknown>, applications: event.applications ?? undefined, work_id: event.workId ?? undefined, hook_ids: hookIds };
  // The stored event keeps its applications: a replay is not a publish of the key's (null: no binding).
  const hooks = planFanout(snapshot, input, null).hooks.map((h) => h.id);
  if (hooks.length === 0) return { eventId, deliveryIds: [] };
  const ids = await holder.append(eventId, hooks);
  if (ids === null) throw ApiError.notFound("event");
  if (ids === "full") throw ApiError.unprocessable(`this event has ${found.deliveries.length} deliveries and cannot hold ${hooks.length} more (at most ${MAX_POSITION}, and what its record's size allows)`, "hook_ids");
  return surviveDisconnect(p.waitUntil, queueReplayed(p, holder, eventId, ids));
}

/**
 * A portal session (src/domain/portal-access.ts) replays an event to named hooks only; one scoped to
 * applications, only to its own hooks and only an event it already has a delivery of (404 otherwise,
 * as for another account's): it never sends another application's event anywhere.
 */
function requirePortalReplay(portal: PortalScope, snapshot: FanoutSnapshot, deliveries: ReadonlyArray<{ hookId: string }>, hookIds: string[] | undefined): void {
  if (!hookIds) throw ApiError.unprocessable("a portal session replays an event to named hooks: give hook_ids", "hook_ids");
  const scope = portal.applications;
  if (!scope) return;
  const within = new Set(snapshot.hooks.filter((h) => hookWithinScope(h.applications, scope)).map((h) => h.id));
  if (!deliveries.some((d) => within.has(d.hookId))) throw ApiError.notFound("event");
  if (hookIds.some((id) => !within.has(id))) throw ApiError.notFound("hook");
}

async function queueReplayed(p: Publisher, holder: DurableObjectStub<DeliveryLog>, eventId: string, ids: string[]): Promise<Replayed> {
  await queueOrMarkUnsent(p.env.DELIVERIES, holder, p.log.accountId, eventId, ids);
  return { eventId, deliveryIds: ids };
}

/** The header and the body field are two ways to say the same thing; saying two things is an error. */
function idempotencyKeyOf(header: string | undefined, field: string | undefined): string | undefined {
  if (header !== undefined && field !== undefined && header !== field) {
    throw ApiError.validation("the Idempotency-Key header and idempotency_key differ", [{ path: "idempotency_key", message: "differs from the Idempotency-Key header" }]);
  }
  return header ?? field;
}
