import { createRoute, z } from "@hono/zod-openapi";
import { nowIso } from "../db/client";
import { deleteEventType, listEventTypes, upsertEventType } from "../db/event-types";
import { ApiError } from "../errors";
import { auth, newRouter } from "../http/route";
import { BUILT_IN_EVENT_TYPES, isReservedEventType } from "../domain/operational-events";
import { presentBuiltInEventType, presentEventType } from "../presenters/accounts";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { EventType, EventTypeListQuery, EventTypeParam, EventTypePut } from "../schemas/event-types";

const tags = ["Event types"];

export const eventTypesRouter = newRouter();

/** `hookrouter.*` is hookrouter's own namespace: built into every catalog, not the account's to change. */
function refuseReserved(name: string): void {
  if (isReservedEventType(name)) throw ApiError.unprocessable(`"${name}" is in hookrouter's own namespace (hookrouter.*): its operational events are built into every catalog`, "name");
}

eventTypesRouter.openapi(
  createRoute({
    method: "put",
    path: "/v1/event-types/{name}",
    tags,
    ...auth.apiKey({ scope: "event-types:write" }),
    summary: "Create or update a cataloged event type",
    request: { params: EventTypeParam, ...jsonBody(EventTypePut) },
    responses: { 200: jsonResponse(EventType, "The event type"), ...errorResponses(400, 401, 415, 422) },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    refuseReserved(name);
    const body = c.req.valid("json");
    const now = nowIso();
    const row = await upsertEventType(c.var.ctx.db, {
      accountId: c.var.ctx.accountId,
      name,
      description: body.description,
      applicationLevel: body.application_level,
      applicationsPath: body.applications_path,
      createdAt: now, // kept from the first PUT: the upsert does not overwrite it
      updatedAt: now,
    });
    return c.json(presentEventType(row), 200);
  },
);

eventTypesRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/event-types",
    tags,
    ...auth.apiKey({ scope: "event-types:read" }),
    summary: "The account's event-type catalog",
    request: { query: EventTypeListQuery },
    responses: { 200: jsonResponse(z.object({ data: z.array(EventType) }), "The catalog"), ...errorResponses(400, 401) },
  }),
  async (c) => {
    const own = (await listEventTypes(c.var.ctx.db, c.var.ctx.accountId)).map(presentEventType);
    const builtIn = c.req.valid("query").include_built_in ? BUILT_IN_EVENT_TYPES.map(presentBuiltInEventType) : [];
    return c.json({ data: [...own, ...builtIn] }, 200);
  },
);

eventTypesRouter.openapi(
  createRoute({
    method: "delete",
    path: "/v1/event-types/{name}",
    tags,
    ...auth.apiKey({ scope: "event-types:write" }),
    summary: "Remove an event type from the catalog",
    request: { params: EventTypeParam },
    responses: { 200: jsonResponse(z.object({ deleted: z.literal(true) }), "Deleted"), ...errorResponses(401, 404, 422) },
  }),
  async (c) => {
    refuseReserved(c.req.valid("param").name);
    if (!(await deleteEventType(c.var.ctx.db, c.var.ctx.accountId, c.req.valid("param").name))) throw ApiError.notFound("event type");
    return c.json({ deleted: true as const }, 200);
  },
);
