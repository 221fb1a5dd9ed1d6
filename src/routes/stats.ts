import { createRoute } from "@hono/zod-openapi";
import { findHook } from "../db/hooks";
import { hookIdsWithinScope } from "../db/portal-scope";
import { foldStats, statsWindow, successRate } from "../domain/delivery-stats";
import { ApiError } from "../errors";
import { auth, newRouter } from "../http/route";
import { errorResponses, jsonResponse } from "../schemas/common";
import { HookIdParam } from "../schemas/hooks";
import { AccountStats, HookStats, StatsQuery } from "../schemas/stats";

const tags = ["Stats"];

export const statsRouter = newRouter();

statsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/stats",
    tags,
    ...auth.apiKey({ scope: "stats:read" }),
    summary: "Deliveries per hour by outcome over the last hours, for the account and per hook",
    request: { query: StatsQuery },
    responses: { 200: jsonResponse(AccountStats, "The account's delivery counts"), ...errorResponses(400, 401) },
  }),
  async (c) => {
    const window = statsWindow(Date.now(), c.req.valid("query").hours);
    const scope = c.var.ctx.portal?.applications;
    const hookIds = scope ? await hookIdsWithinScope(c.var.ctx.db, c.var.ctx.accountId, scope) : undefined;
    const rows = await c.var.ctx.log.countDeliveries(window.since, hookIds);
    const { totals, hours, byHook } = foldStats(rows, window);
    const hooks = [...byHook].map(([hook_id, t]) => ({ hook_id, totals: t, success_rate: successRate(t) }));
    hooks.sort((a, b) => b.totals.total - a.totals.total || (a.hook_id < b.hook_id ? -1 : 1));
    return c.json({ since: window.since, until: window.until, totals, success_rate: successRate(totals), hours, hooks }, 200);
  },
);

statsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/hooks/{id}/stats",
    tags,
    ...auth.apiKey({ scope: "stats:read" }),
    summary: "A hook's deliveries per hour by outcome over the last hours",
    request: { params: HookIdParam, query: StatsQuery },
    responses: { 200: jsonResponse(HookStats, "The hook's delivery counts"), ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const hook = await findHook(c.var.ctx.db, c.var.ctx.accountId, c.req.valid("param").id);
    if (!hook) throw ApiError.notFound("hook");
    const window = statsWindow(Date.now(), c.req.valid("query").hours);
    const { totals, hours } = foldStats(await c.var.ctx.log.countDeliveries(window.since, [hook.id]), window);
    return c.json({ hook_id: hook.id, since: window.since, until: window.until, totals, success_rate: successRate(totals), hours }, 200);
  },
);
