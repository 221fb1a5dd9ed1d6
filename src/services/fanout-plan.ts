import type { z } from "@hono/zod-openapi";
import { enqueueDeliveries } from "../delivery/enqueue";
import type { DeliveryLog } from "../durable/delivery-log";
import { selectHooks, selectNamedHooks } from "../domain/matching";
import { BUILT_IN_EVENT_TYPES } from "../domain/operational-events";
import type { Env } from "../env";
import { ApiError } from "../errors";
import type { EventCreate } from "../schemas/events";
import { errorDetail, log } from "../observability/log";
import type { FanoutSnapshot } from "./fanout-cache";
import { eventApplications } from "./payload";

// What a publish of an account's own event and an operational event (./operational-events.ts) share:
// which hooks an event reaches, and queueing its deliveries.

/** Accounts with more matching hooks than this are refused (422) rather than half-served (see ./events.ts). */
export const MAX_FANOUT = 10_000;

export type PublishInput = z.infer<typeof EventCreate>;

/** hookrouter's own types are cataloged in every account: account-wide unless the event names applications. */
const BUILT_IN_CATALOG = BUILT_IN_EVENT_TYPES.map((t) => ({ name: t.name as string, applicationLevel: true, applicationsPath: null }));

/**
 * The hooks this event reaches and the applications it concerns, by the catalog's rules (422 when
 * the type is not cataloged, its payload names applications badly, or too many hooks match).
 */
export function planFanout(snapshot: FanoutSnapshot, input: PublishInput, keyApplications: string[] | null = null) {
  const cataloged = snapshot.catalog.find((t) => t.name === input.type) ?? BUILT_IN_CATALOG.find((t) => t.name === input.type);
  if (snapshot.catalog.length > 0 && !cataloged) {
    throw ApiError.unprocessable(`event type "${input.type}" is not in the account's event-type catalog`, "type");
  }
  const applications = eventApplications(input.applications, cataloged?.applicationsPath ?? null, input.payload, keyApplications);
  const event = { type: input.type, applications, applicationLevel: cataloged?.applicationLevel, data: input.payload, workId: input.work_id ?? null };
  if (input.hook_ids) return { hooks: namedHooks(snapshot, input.hook_ids, event, keyApplications), applications };
  const selected = selectHooks(snapshot.hooks, event, "post");
  if (selected.length > MAX_FANOUT) {
    throw ApiError.unprocessable(`this event would reach ${selected.length} hooks; one event may reach at most ${MAX_FANOUT}`, "type");
  }
  return { hooks: selected, applications };
}

/**
 * A targeted send: the named hooks that are live; any id that is not one of the account's post-hooks
 * is a 422 naming it. A key bound to applications may name hooks of the account (no applications) or
 * of its applications only (403).
 */
function namedHooks(snapshot: FanoutSnapshot, ids: readonly string[], event: { type: string; data: unknown }, keyApplications: string[] | null) {
  const { selected, unknown, gates } = selectNamedHooks(snapshot.hooks, ids, event);
  const foreign = keyApplications ? selected.filter((h) => h.applications !== null && !h.applications.some((a) => keyApplications.includes(a))) : [];
  if (foreign.length > 0) throw ApiError.forbidden(`this API key publishes for the applications ${keyApplications!.join(", ")} only: hook_ids names ${foreign.map((h) => h.id).join(", ")}`, "hook_ids");
  const details = [
    ...unknown.map((id) => ({ path: "hook_ids", message: `no hook ${id} in this account` })),
    ...gates.map((id) => ({ path: "hook_ids", message: `hook ${id} is a pre-hook (gate): it is called by gate runs, not sent events` })),
  ];
  if (details.length > 0) throw new ApiError(422, "unprocessable", `hook_ids names hooks that cannot receive this event: ${[...unknown, ...gates].join(", ")}`, details);
  return selected;
}

/**
 * One queue message per delivery; should the queue refuse them, the deliveries are marked unsent in
 * their log, whose alarm then sends them within seconds (or, failing even that, after its grace).
 */
export async function queueOrMarkUnsent(queue: Env["DELIVERIES"], holder: DurableObjectStub<DeliveryLog>, accountId: string, eventId: string, ids: string[]): Promise<void> {
  try {
    await enqueueDeliveries(queue, ids.map((id) => ({ delivery_id: id, account_id: accountId })));
  } catch (err) {
    log("error", "enqueueing deliveries failed; the delivery log sends them again", { event_id: eventId, error: errorDetail(err) });
    await holder.unsent(ids).catch((error) => log("error", "marking deliveries unsent failed; the log's alarm finds them after its grace", { event_id: eventId, error: errorDetail(error) }));
  }
}
