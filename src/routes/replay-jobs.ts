import { createRoute } from "@hono/zod-openapi";
import { auth, newRouter } from "../http/route";
import { presentReplayJob } from "../presenters/replay-jobs";
import { pageOf } from "../presenters/page";
import { errorResponses, jsonBody, jsonResponse, PaginationQuery } from "../schemas/common";
import { HookIdParam } from "../schemas/hooks";
import { ReplayJob, ReplayJobCreate, ReplayJobList, ReplayJobParams } from "../schemas/replay-jobs";
import { cancelReplayJob, findReplayJob, listReplayJobs, startReplayJob } from "../services/replay-jobs";

// Window replay jobs of a hook: a time window of stored events delivered again to it, in the background.

const tags = ["Hooks"];

export const replayJobsRouter = newRouter();

replayJobsRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/hooks/{id}/replays",
    tags,
    ...auth.apiKey({ scope: "deliveries:write" }),
    summary:
      "Start a window replay: the stored events of a time window (of some types) that the hook matches now, or whose deliveries to it failed, delivered to it again as new deliveries by a background job; poll the job",
    request: { params: HookIdParam, ...jsonBody(ReplayJobCreate) },
    responses: { 202: jsonResponse(ReplayJob, "The job, queued"), ...errorResponses(400, 401, 404, 409, 415, 422, 429) },
  }),
  async (c) => {
    const job = await startReplayJob(c.var.ctx, c.req.valid("param").id, c.req.valid("json"));
    return c.json(presentReplayJob(job), 202);
  },
);

replayJobsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/hooks/{id}/replays",
    tags,
    ...auth.apiKey({ scope: "deliveries:read" }),
    summary: "The hook's window replay jobs, newest first: running ones, and finished ones for 7 days after they end",
    request: { params: HookIdParam, query: PaginationQuery },
    responses: { 200: jsonResponse(ReplayJobList, "A page of jobs"), ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    const page = await pageOf(c.req.valid("query"), (limit, cursor) => listReplayJobs(c.var.ctx, id, limit, cursor), presentReplayJob, (j) => j.id);
    return c.json(page, 200);
  },
);

replayJobsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/hooks/{id}/replays/{job_id}",
    tags,
    ...auth.apiKey({ scope: "deliveries:read" }),
    summary: "A window replay job: its status, counts, progress and cap",
    request: { params: ReplayJobParams },
    responses: { 200: jsonResponse(ReplayJob, "The job"), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const { id, job_id } = c.req.valid("param");
    return c.json(presentReplayJob(await findReplayJob(c.var.ctx, id, job_id)), 200);
  },
);

replayJobsRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/hooks/{id}/replays/{job_id}/cancel",
    tags,
    ...auth.apiKey({ scope: "deliveries:write" }),
    summary: "Cancel a window replay job: it stops after the step in flight (the deliveries already made stay, and are counted)",
    request: { params: ReplayJobParams },
    responses: { 200: jsonResponse(ReplayJob, "The job, cancelled"), ...errorResponses(401, 404, 409) },
  }),
  async (c) => {
    const { id, job_id } = c.req.valid("param");
    return c.json(presentReplayJob(await cancelReplayJob(c.var.ctx, id, job_id)), 200);
  },
);
