import { createRoute } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { auth, newRouter } from "../http/route";
import { presentEvent, presentEventSummary } from "../presenters/events";
import { pageOf } from "../presenters/page";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { Event, EventAccepted, EventCreate, EventCreateHeaders, EventIdParam, EventList, EventListQuery, EventReplay, EventReplayed } from "../schemas/events";
import { publishEvent, replayEvent } from "../services/events";

const tags = ["Events"];
/** Deliveries shown inline with an event; the rest are listed by GET /v1/deliveries?event_id=. */
const INLINE_DELIVERIES = 100;

export const eventsRouter = newRouter();
// One registration: in Hono "/v1/events/*" also matches "/v1/events" itself, and a second one would
// look the key up (and count its rate limit) twice.

eventsRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/events",
    tags,
    ...auth.apiKey({ scope: "events:publish" }),
    summary: "Publish an event: one delivery per matching hook, stored in the delivery log before the answer, delivered through the queue",
    request: { headers: EventCreateHeaders, ...jsonBody(EventCreate) },
    responses: {
      202: jsonResponse(EventAccepted, "Accepted (also the answer to an idempotent repeat, which creates nothing)"),
      ...errorResponses(400, 401, 409, 413, 415, 422, 429, 503),
    },
  }),
  async (c) => {
    const published = await publishEvent(c.var.ctx, c.req.valid("json"), c.req.valid("header")["idempotency-key"]);
    return c.json({ id: published.event.id, type: published.event.type, deliveries: published.deliveries }, 202);
  },
);

eventsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/events",
    tags,
    ...auth.apiKey({ scope: "events:read" }),
    summary: "List events, newest first (without payloads)",
    request: { query: EventListQuery },
    responses: { 200: jsonResponse(EventList, "A page of events"), ...errorResponses(400, 401) },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const filters = { type: q.type, createdAfter: q.created_after, createdBefore: q.created_before };
    const log = c.var.ctx.log;
    const page = await pageOf(q, (limit, cursor) => log.listEvents(filters, limit, cursor), presentEventSummary, (e) => e.id);
    return c.json(page, 200);
  },
);

eventsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/events/{id}",
    tags,
    ...auth.apiKey({ scope: "events:read" }),
    summary: "An event with its payload and deliveries",
    request: { params: EventIdParam },
    responses: { 200: jsonResponse(Event, "The event"), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const found = await c.var.ctx.log.findEvent(id);
    if (!found) throw ApiError.notFound("event");
    return c.json(presentEvent(found.event, found.deliveries.slice(0, INLINE_DELIVERIES), found.deliveries.length), 200);
  },
);

eventsRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/events/{id}/replay",
    tags,
    ...auth.apiKey({ scope: "deliveries:write" }),
    summary:
      "Replay a stored event: new deliveries (new ids) to the hooks it matches now, or to the named hooks, appended to the event and sent through the queue",
    request: { params: EventIdParam, ...jsonBody(EventReplay) },
    responses: { 202: jsonResponse(EventReplayed, "Queued"), ...errorResponses(400, 401, 404, 415, 422, 429) },
  }),
  async (c) => {
    const replayed = await replayEvent(c.var.ctx, c.req.valid("param").id, c.req.valid("json").hook_ids);
    return c.json({ event_id: replayed.eventId, deliveries: replayed.deliveryIds.length, delivery_ids: replayed.deliveryIds }, 202);
  },
);
