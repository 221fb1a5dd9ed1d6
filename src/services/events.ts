import type { z } from "@hono/zod-openapi";
import type { AccountContext } from "../context";
import { enqueueDeliveries } from "../delivery/enqueue";
import { attemptFirst, FIRST_ATTEMPTS } from "../delivery/first-attempt";
import { joinAtPublish } from "../delivery/fifo";
import { IDEMPOTENCY_WINDOW_MS, type DeliveryLog } from "../durable/delivery-log";
import { MAX_POSITION } from "../domain/log-ids";
import { selectHooks, selectNamedHooks } from "../domain/matching";
import { ApiError } from "../errors";
import { deliveryIdsOf } from "../log/writes";
import type { EventRow } from "../log/records";
import type { EventCreate } from "../schemas/events";
import { fanoutSnapshot, type FanoutSnapshot } from "./fanout-cache";
import { surviveDisconnect } from "./keep-alive";
import { eventApplications, payloadText } from "./payload";
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
export const MAX_FANOUT = 10_000;

type PublishInput = z.infer<typeof EventCreate>;

/**
 * Who publishes: the bindings (the first attempts run the queue consumer's code, src/delivery/first-attempt.ts,
 * and the rest go to `env.DELIVERIES`), the account's `fanout_version` (read with its API key: whether a
 * cached snapshot is current), and `waitUntil`, which keeps the publish running if the client disconnects.
 */
type Publisher = Pick<AccountContext, "env" | "db" | "log" | "account" | "waitUntil">;

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
    const plan = planFanout(await fanoutSnapshot(p.db, p.log.accountId, p.account.fanoutVersion), input);
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
  // The first deliveries are attempted by this Worker after its answer; the rest go through the queue.
  const first = p.waitUntil ? Math.min(FIRST_ATTEMPTS, ids.length) : 0;
  if (first > 0) {
    const attempted = unordered.slice(0, first);
    p.waitUntil!(attemptFirst(p.env, row, attempted).catch((error) => log("error", "the first attempt failed; the delivery log sends it again", { event_id: row.id, error: errorDetail(error) })));
  }
  const queued = ids.slice(first);
  if (queued.length === 0) return { event: row, deliveries: hookIds.length, repeated: false };
  try {
    await enqueueDeliveries(p.env.DELIVERIES, queued.map((id) => ({ delivery_id: id, account_id: row.accountId })));
  } catch (err) {
    // The event is stored: its deliveries are sent by the log's alarm, seconds from now.
    log("error", "enqueueing deliveries failed; the delivery log sends them again", { event_id: row.id, error: errorDetail(err) });
    await logShard.unsent(queued).catch((error) => log("error", "marking deliveries unsent failed; the log's alarm finds them after its grace", { event_id: row.id, error: errorDetail(error) }));
  }
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
export async function replayEvent(p: Publisher, eventId: string, hookIds: string[] | undefined): Promise<Replayed> {
  const holder = p.log.holderOf(eventId);
  const found = holder ? await holder.event(eventId) : null;
  if (!holder || !found) throw ApiError.notFound("event");
  const { event } = found;
  const snapshot = await fanoutSnapshot(p.db, p.log.accountId, p.account.fanoutVersion);
  // Matched as a publish of it would be now: its payload and work_id count for content filters.
  const input = { type: event.type, payload: JSON.parse(event.payload) as Record<string, unknown>, applications: event.applications ?? undefined, work_id: event.workId ?? undefined, hook_ids: hookIds };
  const hooks = planFanout(snapshot, input).hooks.map((h) => h.id);
  if (hooks.length === 0) return { eventId, deliveryIds: [] };
  const ids = await holder.append(eventId, hooks);
  if (ids === null) throw ApiError.notFound("event");
  if (ids === "full") throw ApiError.unprocessable(`this event has ${found.deliveries.length} deliveries and cannot hold ${hooks.length} more (at most ${MAX_POSITION}, and what its record's size allows)`, "hook_ids");
  return surviveDisconnect(p.waitUntil, queueReplayed(p, holder, eventId, ids));
}

async function queueReplayed(p: Publisher, holder: DurableObjectStub<DeliveryLog>, eventId: string, ids: string[]): Promise<Replayed> {
  try {
    await enqueueDeliveries(p.env.DELIVERIES, ids.map((id) => ({ delivery_id: id, account_id: p.log.accountId })));
  } catch (err) {
    log("error", "enqueueing replayed deliveries failed; the delivery log sends them again", { event_id: eventId, error: errorDetail(err) });
    await holder.unsent(ids).catch((error) => log("error", "marking replayed deliveries unsent failed; the log's alarm finds them after its grace", { event_id: eventId, error: errorDetail(error) }));
  }
  return { eventId, deliveryIds: ids };
}

/**
 * The hooks this event reaches and the applications it concerns, by the catalog's rules (422 when
 * the type is not cataloged, its payload names applications badly, or too many hooks match).
 */
function planFanout(snapshot: FanoutSnapshot, input: PublishInput) {
  const cataloged = snapshot.catalog.find((t) => t.name === input.type);
  if (snapshot.catalog.length > 0 && !cataloged) {
    throw ApiError.unprocessable(`event type "${input.type}" is not in the account's event-type catalog`, "type");
  }
  const applications = eventApplications(input.applications, cataloged?.applicationsPath ?? null, input.payload);
  if (input.hook_ids) return { hooks: namedHooks(snapshot, input.hook_ids), applications };
  const selected = selectHooks(
    snapshot.hooks,
    { type: input.type, applications, applicationLevel: cataloged?.applicationLevel, data: input.payload, workId: input.work_id ?? null },
    "post",
  );
  if (selected.length > MAX_FANOUT) {
    throw ApiError.unprocessable(`this event would reach ${selected.length} hooks; one event may reach at most ${MAX_FANOUT}`, "type");
  }
  return { hooks: selected, applications };
}

/** A targeted send: the named hooks that are live; any id that is not one of the account's post-hooks is a 422 naming it. */
function namedHooks(snapshot: FanoutSnapshot, ids: readonly string[]) {
  const { selected, unknown, gates } = selectNamedHooks(snapshot.hooks, ids);
  const details = [
    ...unknown.map((id) => ({ path: "hook_ids", message: `no hook ${id} in this account` })),
    ...gates.map((id) => ({ path: "hook_ids", message: `hook ${id} is a pre-hook (gate): it is called by gate runs, not sent events` })),
  ];
  if (details.length > 0) throw new ApiError(422, "unprocessable", `hook_ids names hooks that cannot receive this event: ${[...unknown, ...gates].join(", ")}`, details);
  return selected;
}

/** The header and the body field are two ways to say the same thing; saying two things is an error. */
function idempotencyKeyOf(header: string | undefined, field: string | undefined): string | undefined {
  if (header !== undefined && field !== undefined && header !== field) {
    throw ApiError.validation("the Idempotency-Key header and idempotency_key differ", [{ path: "idempotency_key", message: "differs from the Idempotency-Key header" }]);
  }
  return header ?? field;
}
