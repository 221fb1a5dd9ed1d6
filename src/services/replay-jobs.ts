import type { z } from "@hono/zod-openapi";
import type { AccountContext } from "../context";
import { findHook } from "../db/hooks";
import { hookStateOf } from "../durable/hook-state";
import { newJobRecord, replayJobOf, type ReplayJobRecord } from "../durable/replay-job";
import { replayJobsAfter } from "../domain/replay-job-list";
import { newId } from "../domain/ids";
import { ApiError } from "../errors";
import { errorDetail, log } from "../observability/log";
import type { ReplayJobCreate } from "../schemas/replay-jobs";

// Window replay jobs (src/durable/replay-job.ts): a hook's window of stored events delivered again
// to it, in the background. Starting one checks the hook (D1, one read) and makes the job's object
// (one Durable Object request) and lists it in the hook's object (one more); reading or cancelling
// one is one request to its object; a page of the list, one to the hook's object and one per job.

const JOB_ID = /^rpl_[0-9A-HJKMNP-TV-Z]{26}$/;

type JobActor = Pick<AccountContext, "db" | "env" | "config" | "log">;

export async function startReplayJob(a: JobActor, hookId: string, input: z.output<typeof ReplayJobCreate>): Promise<ReplayJobRecord> {
  const hook = await findHook(a.db, a.log.accountId, hookId);
  if (!hook) throw ApiError.notFound("hook");
  if (hook.phase !== "post") throw ApiError.unprocessable("this hook is a pre-hook (gate): it is called by gate runs, not sent events", "id");
  if (!hook.enabled || hook.state === "deactivated") throw ApiError.conflict("the hook is disabled or deactivated: enable it before replaying to it");
  const cap = a.config.REPLAY_JOB_MAX_EVENTS;
  if (input.limit !== undefined && input.limit > cap) {
    throw ApiError.validation(`limit: at most ${cap} (REPLAY_JOB_MAX_EVENTS)`, [{ path: "limit", message: `at most ${cap}` }]);
  }
  const id = newId("rpl");
  const job = newJobRecord(
    {
      id,
      accountId: a.log.accountId,
      hookId: hook.id,
      from: input.from,
      to: input.to ?? new Date().toISOString(),
      eventTypes: input.event_types ?? null,
      onlyFailed: input.only_failed,
      limit: input.limit ?? cap,
    },
    a.log.settings.logShards,
  );
  // Listed first: should the start fail, the listing leaves out an id whose job has no record.
  await hookStateOf(a.env.HOOK_STATE, hook.id)
    .rememberReplayJob(id)
    .catch((error) => log("error", "listing a replay job in its hook's object failed; the job runs unlisted", { job_id: id, error: errorDetail(error) }));
  return replayJobOf(a.env.REPLAY_JOB, a.log.accountId, id).start(job);
}

/**
 * The hook's jobs after `cursor` (older), newest first, up to `count` of them that still have a
 * record (a finished job is kept 7 days), read in rounds of `count`.
 */
export async function listReplayJobs(a: JobActor, hookId: string, count: number, cursor: string | undefined): Promise<ReplayJobRecord[]> {
  if (!(await findHook(a.db, a.log.accountId, hookId))) throw ApiError.notFound("hook");
  const ids = replayJobsAfter(await hookStateOf(a.env.HOOK_STATE, hookId).replayJobIds(), cursor);
  const found: ReplayJobRecord[] = [];
  for (let i = 0; i < ids.length && found.length < count; i += count) {
    const jobs: Array<ReplayJobRecord | null> = await Promise.all(ids.slice(i, i + count).map((id) => replayJobOf(a.env.REPLAY_JOB, a.log.accountId, id).view(a.log.accountId)));
    for (const job of jobs) if (job && job.hookId === hookId) found.push(job);
  }
  return found.slice(0, count);
}

/** A job of this account and hook (404 otherwise, as for another account's). */
export async function findReplayJob(a: JobActor, hookId: string, jobId: string): Promise<ReplayJobRecord> {
  // An id this API never made reaches no object (a request each would cost $0.15/M).
  const job = JOB_ID.test(jobId) ? await replayJobOf(a.env.REPLAY_JOB, a.log.accountId, jobId).view(a.log.accountId) : null;
  if (!job || job.hookId !== hookId) throw ApiError.notFound("replay job");
  return job;
}

export async function cancelReplayJob(a: JobActor, hookId: string, jobId: string): Promise<ReplayJobRecord> {
  const job = await findReplayJob(a, hookId, jobId);
  if (job.status !== "queued" && job.status !== "running") throw ApiError.conflict(`the job has already ended (${job.status})`);
  return (await replayJobOf(a.env.REPLAY_JOB, a.log.accountId, jobId).cancel(a.log.accountId))!;
}
