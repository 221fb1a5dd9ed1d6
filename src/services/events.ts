import type { z } from "@hono/zod-openapi";
import { isUniqueViolation, type Db } from "../db/client";
import {
  catalogProbe,
  claimedEventQuery,
  countDeliveriesOfEvent,
  eventDeleteStatements,
  eventWriteStatements,
  findClaimedEvent,
  matchableHooks,
} from "../db/events";
import type { EventRow } from "../db/schema";
import { enqueueDeliveries } from "../delivery/enqueue";
import { newId } from "../domain/ids";
import { selectHooks } from "../domain/matching";
import type { DeliveryMessage } from "../env";
import { ApiError } from "../errors";
import type { EventCreate } from "../schemas/events";

export const MAX_PAYLOAD_BYTES = 256 * 1024;
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

/**
 * Fan-out: ONE request does it all, with batched writes, rather than a second queue stage.
 *
 * Per event: one D1 read round trip (catalog + hooks, and the idempotency claim, as one `db.batch`),
 * one D1 write batch (event + deliveries; deliveries are inserted 1,000 rows per statement from a
 * JSON parameter, so 10,000 deliveries are 10 statements in one transaction), and ceil(N / 100)
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
}

export interface Published {
  event: EventRow;
  deliveries: number;
  /** An idempotent repeat: the first event, nothing created. */
  repeated: boolean;
}

export async function publishEvent(p: Publisher, input: PublishInput, headerKey: string | undefined): Promise<Published> {
  const key = idempotencyKeyOf(headerKey, input.idempotency_key);
  const payload = JSON.stringify(input.payload);
  const size = new TextEncoder().encode(payload).byteLength;
  if (size > MAX_PAYLOAD_BYTES) {
    throw new ApiError(413, "payload_too_large", `the payload is ${size} bytes; at most ${MAX_PAYLOAD_BYTES} (256 KiB) are accepted`);
  }
  const now = new Date();
  const liveAfter = new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS).toISOString();

  const { db, accountId } = p;
  // One round trip for every read; the idempotency claim is probed only when there is a key.
  const [catalog, hooks, claims] = key
    ? await db.batch([catalogProbe(db, accountId, input.type), matchableHooks(db, accountId), claimedEventQuery(db, accountId, key, liveAfter)])
    : [...(await db.batch([catalogProbe(db, accountId, input.type), matchableHooks(db, accountId)])), []];
  const claimed = claims[0]?.event;
  if (claimed) return repeat(db, accountId, claimed);

  const cataloged = catalog[0];
  if (cataloged && cataloged.name !== input.type) {
    throw ApiError.unprocessable(`event type "${input.type}" is not in the account's event-type catalog`, "type");
  }
  const selected = selectHooks(hooks, { type: input.type, applications: input.applications ?? null, applicationLevel: cataloged?.applicationLevel }, "post");
  if (selected.length > MAX_FANOUT) {
    throw ApiError.unprocessable(`this event would reach ${selected.length} hooks; one event may reach at most ${MAX_FANOUT}`, "type");
  }

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
  const deliveries = selected.map((h): [string, string] => [newId("dlv"), h.id]);
  const writes = eventWriteStatements(db, { row, deliveries, idempotency: key ? { key, expiredBefore: liveAfter } : undefined });
  try {
    await db.batch(writes as [(typeof writes)[0], ...typeof writes]);
  } catch (err) {
    if (!key || !isUniqueViolation(err)) throw err;
    // A concurrent repeat with the same key won the claim: answer its event.
    const first = await findClaimedEvent(db, accountId, key, liveAfter);
    if (!first) throw ApiError.conflict("a request with this idempotency key is being processed; retry it");
    return repeat(db, accountId, first);
  }

  try {
    await enqueueDeliveries(
      p.queue,
      deliveries.map(([id]) => ({ delivery_id: id, account_id: accountId })),
    );
  } catch (err) {
    // Undo the event so the producer's retry starts clean (no delivery may wait for a message that
    // was never sent). Messages already sent find no delivery and are dropped by the consumer.
    console.error(JSON.stringify({ level: "error", message: "enqueueing deliveries failed; event rolled back", event_id: row.id, error: String(err) }));
    const undo = eventDeleteStatements(db, accountId, row.id, key ?? null);
    await db.batch(undo as [(typeof undo)[0], ...typeof undo]);
    throw new ApiError(503, "internal_error", "the delivery queue is unavailable; nothing was stored, retry the request", [], { "Retry-After": "5" });
  }
  return { event: row, deliveries: deliveries.length, repeated: false };
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
