import { createRoute } from "@hono/zod-openapi";
import { findDeliveryWithType, listAttempts, listDeliveriesPage } from "../db/deliveries";
import { ApiError } from "../errors";
import { requireApiKey } from "../http/auth";
import { newRouter, waitUntilOf } from "../http/context";
import { presentAttempt, presentDelivery } from "../presenters/deliveries";
import { pageOf } from "../presenters/page";
import { errorResponses, jsonResponse } from "../schemas/common";
import { Delivery, DeliveryDetail, DeliveryIdParam, DeliveryList, DeliveryListQuery } from "../schemas/deliveries";
import { retryDelivery } from "../services/deliveries";

const tags = ["Deliveries"];
const security = [{ bearer: [] }];

export const deliveriesRouter = newRouter();
// One registration: in Hono "/v1/deliveries/*" also matches "/v1/deliveries" itself, and a second one would
// look the key up (and count its rate limit) twice.
deliveriesRouter.use("/v1/deliveries/*", requireApiKey);

deliveriesRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/deliveries",
    tags,
    security,
    summary: "List deliveries, newest first",
    request: { query: DeliveryListQuery },
    responses: { 200: jsonResponse(DeliveryList, "A page of deliveries"), ...errorResponses(400, 401) },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const filters = {
      hookId: q.hook_id,
      eventId: q.event_id,
      status: q.status,
      eventType: q.event_type,
      createdAfter: q.created_after,
      createdBefore: q.created_before,
      withinApplications: c.var.portal?.applications,
    };
    const page = await pageOf(
      q,
      (limit, cursor) => listDeliveriesPage(c.var.db, c.var.accountId, filters, limit, cursor),
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
    security,
    summary: "A delivery with every attempt",
    request: { params: DeliveryIdParam },
    responses: { 200: jsonResponse(DeliveryDetail, "The delivery and its attempt log"), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const found = await findDeliveryWithType(c.var.db, c.var.accountId, c.req.valid("param").id);
    if (!found) throw ApiError.notFound("delivery");
    const attempts = await listAttempts(c.var.db, found.delivery.id);
    return c.json({ ...presentDelivery(found.delivery, found.eventType), attempt_log: attempts.map(presentAttempt) }, 200);
  },
);

deliveriesRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/deliveries/{id}/retry",
    tags,
    security,
    summary: "Deliver again now (one attempt, not rescheduled automatically)",
    request: { params: DeliveryIdParam },
    responses: { 202: jsonResponse(Delivery, "Queued"), ...errorResponses(401, 404, 409, 429, 503) },
  }),
  async (c) => {
    const { delivery, eventType } = await retryDelivery(
      { db: c.var.db, accountId: c.var.accountId, queue: c.env.DELIVERIES, waitUntil: waitUntilOf(c) },
      c.req.valid("param").id,
    );
    return c.json(presentDelivery(delivery, eventType), 202);
  },
);
