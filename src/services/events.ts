import type { z } from "@hono/zod-openapi";
import { isUniqueViolation, type Db } from "../db/client";
import { countDeliveriesOfEvent, eventDeleteStatements, eventWriteStatements, findClaimedEvent } from "../db/events";
import { fingerprintGuard, isStaleSnapshotError } from "../db/fanout-snapshot";
import type { EventRow } from "../db/schema";
import { enqueueDeliveries } from "../delivery/enqueue";
import { newId } from "../domain/ids";
import { selectHooks } from "../domain/matching";
import type { DeliveryMessage } from "../env";
import { ApiError } from "../errors";
import type { EventCreate } from "../schemas/events";
import { fanoutSnapshot, guardable, type FanoutSnapshot } from "./fanout-cache";
import { surviveDisconnect, type WaitUntil } from "./keep-alive";
import { errorDetail, log } from "../observability/log";

export const MAX_PAYLOAD_BYTES = 256 * 1024;
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

/**
 * Fan-out: ONE request does it all, with batched writes, rather than a second queue stage.
 *
 * Per event: the account's hooks and catalog, from isolate memory when warm (./fanout-cache.ts) or
 * one D1 read round trip, one D1 write batch (a freshness guard + event + deliveries; deliveries are
 * inserted 1,000 rows per statement from a JSON parameter, so 10,000 deliveries are 10 statements in
 * one transaction), and ceil(N / 100)
 * `sendBatch` calls, 6 in flight at a time. At this cap that is 3 + 100 = 103 subrequests, within
 * the 1,000 a paid Worker may make (the free plan's 50 holds ~4,700 hooks), and a few ms of CPU for
 * the ids and JSON. A second queue stage (publish enqueues one "fan out" message, a consumer writes
 * and enqueues the deliveries in chunks) would lift the cap but costs an extra queue write/read/delete
 * per event, adds a hop of latency to every delivery, and leaves the 202 unable to say how many
 * deliveries the event made. Accounts with more matching hooks than this are refused (422) rather
 * than half-served; raising the cap means adding that stage.
 */
export const MAX_FANOUT = 10_000;

type PublishInput = z.infer<typeof EventCreate>;

export interface Publisher {
  db: Db;
  accountId: string;
  queue: Queue<DeliveryMessage>;
  /** Keeps the publish running if the client disconnects (see ./keep-alive.ts). */
  waitUntil?: WaitUntil;
}

export interface Published {
  event: EventRow;
  deliveries: number;
  /** An idempotent repeat: the first event, nothing created. */
  repeated: boolean;
}

/**
 * Runs under `waitUntil`: between the D1 commit and the last `sendBatch` (or the undo) a cancelled
 * request would leave deliveries without a message. What still slips through (an evicted isolate) is
 * sent again by the sweep (src/delivery/sweeper.ts).
 */
export function publishEvent(p: Publisher, input: PublishInput, headerKey: string | undefined): Promise<Published> {
  return surviveDisconnect(p.waitUntil, publish(p, input, headerKey));
}

async function publish(p: Publisher, input: PublishInput, headerKey: string | undefined): Promise<Published> {
  const key = idempotencyKeyOf(headerKey, input.idempotency_key);
  const payload = JSON.stringify(input.payload);
  const size = new TextEncoder().encode(payload).byteLength;
  if (size > MAX_PAYLOAD_BYTES) {
    throw new ApiError(413, "payload_too_large", `the payload is ${size} bytes; at most ${MAX_PAYLOAD_BYTES} (256 KiB) are accepted`);
  }
  const now = new Date();
  const liveAfter = new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS).toISOString();
  const { db, accountId } = p;

  const row: EventRow = {
    id: newId("evt"),
    accountId,
    type: input.type,
    payload,
    applications: input.applications ?? null,
    workId: input.work_id ?? null,
    idempotencyKey: key ?? null,
    createdAt: now.toISOString(),
  };
  let deliveries: Array<[string, string]>;
  // Warm: no read at all, only the write transaction, which starts with a guard that fails when the
  // cached hooks or catalog are stale; the publish is then planned again from a fresh read. The
  // idempotency claim is not read first either: the claim's insert fails when a live one exists.
  for (let tries = 1; ; tries++) {
    const snapshot = await fanoutSnapshot(db, accountId, tries > 1);
    try {
      deliveries = planFanout(snapshot, input).map((h): [string, string] => [newId("dlv"), h.id]);
    } catch (err) {
      // A repeat answers the first event even if it would no longer be accepted (say, its type left the catalog).
      const first = key && err instanceof ApiError ? await findClaimedEvent(db, accountId, key, liveAfter) : undefined;
      if (first) return repeat(db, accountId, first);
      throw err;
    }
    const writes = eventWriteStatements(db, { row, deliveries, idempotency: key ? { key, expiredBefore: liveAfter } : undefined });
    const guarded = guardable(snapshot) ? [fingerprintGuard(db, accountId, snapshot.fingerprint), ...writes] : writes;
    try {
      await db.batch(guarded as [(typeof guarded)[0], ...typeof guarded]);
      break;
    } catch (err) {
      // Hooks or catalog changed since the snapshot: plan again (a third change in a row is an error).
      if (isStaleSnapshotError(err) && tries < 3) continue;
      if (!key || !isUniqueViolation(err)) throw err;
      // The key is claimed (an earlier or concurrent request with it won): answer its event.
      const first = await findClaimedEvent(db, accountId, key, liveAfter);
      if (!first) throw ApiError.conflict("a request with this idempotency key is being processed; retry it");
      return repeat(db, accountId, first);
    }
  }

  try {
    await enqueueDeliveries(
      p.queue,
      deliveries.map(([id]) => ({ delivery_id: id, account_id: accountId })),
    );
  } catch (err) {
    // Undo the event so the producer's retry starts clean (no delivery may wait for a message that
    // was never sent). Messages already sent find no delivery and are dropped by the consumer.
    log("error", "enqueueing deliveries failed; event rolled back", { event_id: row.id, error: errorDetail(err) });
    const undo = eventDeleteStatements(db, accountId, row.id, key ?? null);
    await db.batch(undo as [(typeof undo)[0], ...typeof undo]);
    throw new ApiError(503, "internal_error", "the delivery queue is unavailable; nothing was stored, retry the request", [], { "Retry-After": "5" });
  }
  return { event: row, deliveries: deliveries.length, repeated: false };
}

/** The hooks this event reaches, by the catalog's rules (422 when the type is not cataloged or too many match). */
function planFanout(snapshot: FanoutSnapshot, input: PublishInput) {
  const cataloged = snapshot.catalog.find((t) => t.name === input.type);
  if (snapshot.catalog.length > 0 && !cataloged) {
    throw ApiError.unprocessable(`event type "${input.type}" is not in the account's event-type catalog`, "type");
  }
  const selected = selectHooks(snapshot.hooks, { type: input.type, applications: input.applications ?? null, applicationLevel: cataloged?.applicationLevel }, "post");
  if (selected.length > MAX_FANOUT) {
    throw ApiError.unprocessable(`this event would reach ${selected.length} hooks; one event may reach at most ${MAX_FANOUT}`, "type");
  }
  return selected;
}

/** The header and the body field are two ways to say the same thing; saying two things is an error. */
function idempotencyKeyOf(header: string | undefined, field: string | undefined): string | undefined {
  if (header !== undefined && field !== undefined && header !== field) {
    throw ApiError.validation("the Idempotency-Key header and idempotency_key differ", [{ path: "idempotency_key", message: "differs from the Idempotency-Key header" }]);
  }
  return header ?? field;
}

async function repeat(db: Db, accountId: string, first: EventRow): Promise<Published> {
  return { event: first, deliveries: await countDeliveriesOfEvent(db, accountId, first.id), repeated: true };
}
