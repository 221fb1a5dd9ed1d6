import { createRoute } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { auth, newRouter } from "../http/route";
import { hookIdsWithinScope } from "../db/portal-scope";
import { presentAttempt, presentDelivery } from "../presenters/deliveries";
import { pageOf } from "../presenters/page";
import { errorResponses, jsonResponse } from "../schemas/common";
import { Delivery, DeliveryDetail, DeliveryIdParam, DeliveryList, DeliveryListQuery } from "../schemas/deliveries";
import { resendDelivery, retryDelivery } from "../services/deliveries";

const tags = ["Deliveries"];

export const deliveriesRouter = newRouter();
// One registration: in Hono "/v1/deliveries/*" also matches "/v1/deliveries" itself, and a second one would
// look the key up (and count its rate limit) twice.

deliveriesRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/deliveries",
    tags,
    ...auth.apiKey({ scope: "deliveries:read" }),
    summary: "List deliveries: newest event first, an event's deliveries in position order",
    request: { query: DeliveryListQuery },
    responses: { 200: jsonResponse(DeliveryList, "A page of deliveries"), ...errorResponses(400, 401) },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const scope = c.var.ctx.portal?.applications;
    const filters = {
      hookId: q.hook_id,
      eventId: q.event_id,
      status: q.status,
      eventType: q.event_type,
      createdAfter: q.created_after,
      createdBefore: q.created_before,
      hookIds: scope ? await hookIdsWithinScope(c.var.ctx.db, c.var.ctx.accountId, scope) : undefined,
    };
    const log = c.var.ctx.log;
    const page = await pageOf(
      q,
      (limit, cursor) => log.listDeliveries(filters, limit, cursor),
      (r) => presentDelivery(r.delivery, r.eventType),
      (r) => r.delivery.id,
    );
    return c.json(page, 200);
  },
);

deliveriesRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/deliveries/{id}",
    tags,
    ...auth.apiKey({ scope: "deliveries:read" }),
    summary: "A delivery with every attempt",
    request: { params: DeliveryIdParam },
    responses: { 200: jsonResponse(DeliveryDetail, "The delivery and its attempt log"), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const log = c.var.ctx.log;
    const id = c.req.valid("param").id;
    const [found, attempts] = await Promise.all([log.findDelivery(id), log.listAttempts(id)]);
    if (!found) throw ApiError.notFound("delivery");
    return c.json({ ...presentDelivery(found.delivery, found.eventType), attempt_log: attempts.map(presentAttempt) }, 200);
  },
);

deliveriesRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/deliveries/{id}/retry",
    tags,
    ...auth.apiKey({ scope: "deliveries:write" }),
    summary: "Deliver again now (one attempt, not rescheduled automatically)",
    request: { params: DeliveryIdParam },
    responses: { 202: jsonResponse(Delivery, "Queued"), ...errorResponses(401, 404, 409, 429, 503) },
  }),
  async (c) => {
    const { delivery, eventType } = await retryDelivery(c.var.ctx, c.req.valid("param").id);
    return c.json(presentDelivery(delivery, eventType), 202);
  },
);

deliveriesRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/deliveries/{id}/resend",
    tags,
    ...auth.apiKey({ scope: "deliveries:write" }),
    summary:
      "Send a succeeded delivery again: one more attempt on the same delivery (same webhook-id), not rescheduled if it fails. " +
      "409 unless it succeeded, or while its event is under a minute old (Retry-After says when)",
    request: { params: DeliveryIdParam },
    responses: { 202: jsonResponse(Delivery, "Queued"), ...errorResponses(401, 404, 409, 429, 503) },
  }),
  async (c) => {
    const { delivery, eventType } = await resendDelivery(c.var.ctx, c.req.valid("param").id);
    return c.json(presentDelivery(delivery, eventType), 202);
  },
);
