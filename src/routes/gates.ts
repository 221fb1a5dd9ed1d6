import { createRoute } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { auth, newRouter } from "../http/route";
import { presentEventSummary } from "../presenters/events";
import { presentGateRun } from "../presenters/gates";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { GateRequest, GateResult, GateTypeParam, WorkIdParam, WorkRecord } from "../schemas/gates";
import { runGates } from "../services/gates";

const tags = ["Gates"];
/** How many gate runs, and how many events, `GET /v1/gates/{work_id}` shows. */
const WORK_RECORD_LIMIT = 100;

export const gatesRouter = newRouter();

gatesRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/gates/{type}",
    tags,
    ...auth.apiKey({ scope: "gates:call" }),
    summary: "Ask the pre-hooks (gates) whether an action of this type may proceed",
    description:
      "Calls every enabled phase:pre hook matching the type in parallel, signed like a delivery, each with its timeout " +
      "(the hook's timeout_ms, else GATE_TIMEOUT_MS). Approved only if every gate approves; a gate that times out, " +
      "answers non-2xx or answers something unparsable counts as its on_error. No matching gate means approved. " +
      "The run is recorded under its work_id.",
    request: { params: GateTypeParam, ...jsonBody(GateRequest) },
    responses: { 200: jsonResponse(GateResult, "The verdict"), ...errorResponses(400, 401, 413, 415, 422) },
  }),
  async (c) => {
    const { type } = c.req.valid("param");
    const verdict = await runGates(c.var.ctx, { type, ...c.req.valid("json") });
    return c.json(verdict, 200);
  },
);

gatesRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/gates/{work_id}",
    tags,
    ...auth.apiKey({ scope: "gates:call" }),
    summary: "The gate runs and the events of one work_id",
    request: { params: WorkIdParam },
    responses: { 200: jsonResponse(WorkRecord, "Gate runs and events under the work_id"), ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const { work_id } = c.req.valid("param");
    const log = c.var.ctx.log;
    const [runs, events] = await Promise.all([log.gateRunsByWork(work_id, WORK_RECORD_LIMIT), log.eventsByWork(work_id, WORK_RECORD_LIMIT)]);
    // Nothing under this work_id in this account (another account's work_id included): 404.
    if (runs.length === 0 && events.length === 0) throw ApiError.notFound("work_id");
    return c.json({ work_id, gate_runs: runs.map(presentGateRun), events: events.map(presentEventSummary) }, 200);
  },
);
