import { createRoute } from "@hono/zod-openapi";
import type { AccountContext } from "../context";
import { findHook, findHookByName, listAllHooks, listHooksPage } from "../db/hooks";
import { findEventType } from "../db/event-types";
import { evaluateFilter, filterRoot } from "../domain/filter";
import { selectHooks } from "../domain/matching";
import { deliveryBody } from "../delivery/request";
import { hookStateOf } from "../durable/hook-state";
import { ApiError } from "../errors";
import { auth, newRouter } from "../http/route";
import { presentHook, presentHookDetail } from "../presenters/hooks";
import { pageOf } from "../presenters/page";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import {
  ActiveHooks,
  ActiveHooksQuery,
  FilterTestRequest,
  FilterTestResult,
  TransformTestRequest,
  TransformTestResult,
  ActingUserHeaders,
  Hook,
  HookCreate,
  HookIdParam,
  HookList,
  HookListQuery,
  HookPatch,
  HookSecret,
  HookWithSecret,
  NameAvailable,
  NameAvailableQuery,
} from "../schemas/hooks";
import { readHookSecret } from "../services/hook-secrets";
import { createHook, deleteHookAndState, patchHook, setHookEnabled } from "../services/hooks";

const tags = ["Hooks"];

export const hooksRouter = newRouter();

/** The account's context, and the user the call is made for when its Acting-User-Id header says so. */
const actingFor = <C extends AccountContext>(ctx: C, headers: { "acting-user-id"?: string }) => ({ ...ctx, actingUserId: headers["acting-user-id"] ?? null });

hooksRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/hooks",
    tags,
    ...auth.apiKey({ scope: "hooks:write" }),
    summary: "Create a hook",
    request: { headers: ActingUserHeaders, ...jsonBody(HookCreate) },
    responses: { 201: jsonResponse(HookWithSecret, "The hook, with its secret"), ...errorResponses(400, 401, 409, 413, 415, 422) },
  }),
  async (c) => {
    const { hook, secret } = await createHook(actingFor(c.var.ctx, c.req.valid("header")), c.req.valid("json"));
    return c.json({ ...presentHook(hook), secret }, 201);
  },
);

hooksRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/hooks",
    tags,
    ...auth.apiKey({ scope: "hooks:read" }),
    summary: "List hooks (deactivated ones only when state=deactivated)",
    request: { query: HookListQuery },
    responses: { 200: jsonResponse(HookList, "A page of hooks, newest first"), ...errorResponses(400, 401) },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const filters = {
      state: q.state,
      enabled: q.enabled,
      event: q.event,
      application: q.application,
      kind: q.kind,
      phase: q.phase,
      createdAfter: q.created_after,
      createdBefore: q.created_before,
      withinApplications: c.var.ctx.portal?.applications,
    };
    const page = await pageOf(q, (limit, cursor) => listHooksPage(c.var.ctx.db, c.var.ctx.accountId, filters, limit, cursor), presentHook, (h) => h.id);
    return c.json(page, 200);
  },
);

hooksRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/hooks/name-available",
    tags,
    ...auth.apiKey({ scope: "hooks:read" }),
    summary: "Is this hook name free in the account?",
    request: { query: NameAvailableQuery },
    responses: { 200: jsonResponse(NameAvailable, "Availability"), ...errorResponses(400, 401) },
  }),
  async (c) => {
    const existing = await findHookByName(c.var.ctx.db, c.var.ctx.accountId, c.req.valid("query").name);
    return c.json({ available: !existing }, 200);
  },
);

hooksRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/hooks/active",
    tags,
    ...auth.apiKey({ scope: "hooks:read" }),
    summary: "The enabled hooks an event of this type (and application) would reach now",
    request: { query: ActiveHooksQuery },
    responses: { 200: jsonResponse(ActiveHooks, "Matching hooks"), ...errorResponses(400, 401) },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const data = q.data === undefined ? undefined : sampleData(q.data);
    const [all, type] = await Promise.all([listAllHooks(c.var.ctx.db, c.var.ctx.accountId), findEventType(c.var.ctx.db, c.var.ctx.accountId, q.event)]);
    const selected = selectHooks(
      all,
      { type: q.event, applications: q.application ? [q.application] : null, applicationLevel: type?.applicationLevel, data },
      q.phase,
    );
    selected.sort((a, b) => (a.id < b.id ? 1 : -1));
    return c.json({ data: selected.map(presentHook) }, 200);
  },
);

/** `?data=` of /v1/hooks/active: a JSON object, else 400 pointing at it. */
function sampleData(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw ApiError.validation("invalid query: data: not JSON", [{ path: "data", message: "not JSON" }]);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw ApiError.validation("invalid query: data: a JSON object is expected", [{ path: "data", message: "a JSON object is expected" }]);
  }
  return value as Record<string, unknown>;
}

hooksRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/hooks/filter-test",
    tags,
    ...auth.apiKey({ scope: "hooks:read" }),
    summary: "Evaluate a content filter against a sample event",
    description: "The same evaluation fan-out makes: `matches` says whether a hook with this filter would take the event (its other rules aside). An invalid filter answers 400 with each problem's place in the filter.",
    request: jsonBody(FilterTestRequest),
    responses: { 200: jsonResponse(FilterTestResult, "Whether the event passes"), ...errorResponses(400, 401, 415) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const matches = evaluateFilter(body.filter, filterRoot({ type: body.type, data: body.payload, applications: body.applications ?? null, workId: body.work_id ?? null }));
    return c.json({ matches }, 200);
  },
);

hooksRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/hooks/transform-test",
    tags,
    ...auth.apiKey({ scope: "hooks:read" }),
    summary: "Apply a payload transformation to a sample event",
    description:
      "Answers the body a receiver would get (exactly the bytes that are signed) through the same code as deliveries, or why the transformation fails (a delivery would then end with a `transform_failed` attempt). An invalid template answers 400 with each problem's place.",
    request: jsonBody(TransformTestRequest),
    responses: { 200: jsonResponse(TransformTestResult, "The body, or the failure"), ...errorResponses(400, 401, 415) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const event = {
      id: "evt_00000000000000000000000000",
      type: body.type,
      createdAt: new Date().toISOString(),
      payload: JSON.stringify(body.payload),
      applications: body.applications ?? null,
      workId: body.work_id ?? null,
    };
    const built = deliveryBody(event, { payloadFormat: "envelope", transform: body.transform });
    return c.json(built.ok ? { ok: true, body: built.body, error: null } : { ok: false, body: null, error: built.error }, 200);
  },
);

const byId = (method: "get" | "delete", summary: string) =>
  createRoute({
    method,
    path: "/v1/hooks/{id}",
    tags,
    ...auth.apiKey({ scope: method === "get" ? "hooks:read" : "hooks:write" }),
    summary,
    request: { params: HookIdParam },
    responses: { 200: jsonResponse(Hook, "The hook"), ...errorResponses(401, 404) },
  });

hooksRouter.openapi(byId("get", "Get a hook, with its circuit and last test"), async (c) => {
  const hook = await findHook(c.var.ctx.db, c.var.ctx.accountId, c.req.valid("param").id);
  if (!hook) throw ApiError.notFound("hook");
  const live = await hookStateOf(c.var.ctx.env.HOOK_STATE, hook.id).status();
  return c.json(presentHookDetail(hook, live), 200);
});

hooksRouter.openapi(
  createRoute({
    method: "patch",
    path: "/v1/hooks/{id}",
    tags,
    ...auth.apiKey({ scope: "hooks:write" }),
    summary: "Update a hook (partial); any field but enabled, status and state sets state new and re-tests it",
    description:
      "As ricloud re-tests every update of a config: naming any field other than `enabled`, `status` (switching the hook on or off) " +
      "and `state` sets the hook's state to `new` and queues its endpoint test, whatever the value (a retired hook stays `deactivated`).",
    request: { params: HookIdParam, headers: ActingUserHeaders, ...jsonBody(HookPatch) },
    responses: { 200: jsonResponse(Hook, "The hook"), ...errorResponses(400, 401, 404, 409, 415, 422) },
  }),
  async (c) => {
    const hook = await patchHook(actingFor(c.var.ctx, c.req.valid("header")), c.req.valid("param").id, c.req.valid("json"));
    return c.json(presentHook(hook), 200);
  },
);

hooksRouter.openapi(byId("delete", "Delete a hook, and its rate-limit, breaker and test state; answers the deleted hook"), async (c) => {
  const hook = await deleteHookAndState(c.var.ctx, c.req.valid("param").id);
  return c.json(presentHook(hook), 200);
});

for (const action of ["enable", "disable"] as const) {
  hooksRouter.openapi(
    createRoute({
      method: "post",
      path: `/v1/hooks/{id}/${action}`,
      tags,
      ...auth.apiKey({ scope: "hooks:write" }),
      summary: `${action === "enable" ? "Enable" : "Disable"} a hook`,
      request: { params: HookIdParam, headers: ActingUserHeaders },
      // Enabling a pre-hook is refused (422) when it would take a gate call past MAX_GATES_PER_CALL.
      responses: { 200: jsonResponse(Hook, "The hook"), ...(action === "enable" ? errorResponses(401, 404, 422) : errorResponses(401, 404)) },
    }),
    async (c) => {
      const hook = await setHookEnabled(actingFor(c.var.ctx, c.req.valid("header")), c.req.valid("param").id, action === "enable");
      return c.json(presentHook(hook), 200);
    },
  );
}

hooksRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/hooks/{id}/secret",
    tags,
    ...auth.apiKey({ scope: "hooks:write" }),
    summary: "The hook's signing secret (and the previous one during a rotation's grace period)",
    request: { params: HookIdParam },
    responses: { 200: jsonResponse(HookSecret, "The secret"), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(await readHookSecret(c.var.ctx, c.req.valid("param").id), 200),
);

export type HooksRouter = typeof hooksRouter;
