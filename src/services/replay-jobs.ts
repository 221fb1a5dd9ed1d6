import type { z } from "@hono/zod-openapi";
import type { AccountContext } from "../context";
import { findHook } from "../db/hooks";
import { newJobRecord, replayJobOf, type ReplayJobRecord } from "../durable/replay-job";
import { newId } from "../domain/ids";
import { ApiError } from "../errors";
import type { ReplayJobCreate } from "../schemas/replay-jobs";

// Window replay jobs (src/durable/replay-job.ts): a hook's window of stored events delivered again
// to it, in the background. Starting one checks the hook (D1, one read) and makes the job's object
// (one Durable Object request); reading or cancelling one is one request to that object.

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
  return replayJobOf(a.env.REPLAY_JOB, a.log.accountId, id).start(job);
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
