import { DurableObject } from "cloudflare:workers";
import { getDb } from "../db/client";
import { snapshotReads } from "../db/fanout-snapshot";
import { matchersFor, NO_PROGRESS, type ReplayJobStatus, type ReplayWindowSpec, type ShardProgress } from "../domain/replay-window";
import type { Env } from "../env";
import { errorDetail, log } from "../observability/log";
import { logOf } from "./delivery-log";

declare module "../env" {
  /** The class behind the `REPLAY_JOB` binding (see DurableObjectClasses). */
  interface DurableObjectClasses {
    REPLAY_JOB: ReplayJob;
  }
}

/** A window replay job as stored by its object (and shown, through src/presenters, by the API). */
export interface ReplayJobRecord {
  id: string;
  accountId: string;
  hookId: string;
  from: string;
  to: string;
  eventTypes: string[] | null;
  onlyFailed: boolean;
  /** The most deliveries it makes: the request's `limit`, at most REPLAY_JOB_MAX_EVENTS. */
  limit: number;
  status: ReplayJobStatus;
  /** One entry per log shard of the account when the job was made (shards only grow; older events stay where they are). */
  shards: ShardProgress[];
  /** The cap was reached with matching events left. */
  capped: boolean;
  error: string | null;
  /** Runs that failed in a row (a log shard or D1 unreachable): retried with a growing wait, failed at MAX_FAILED_RUNS. */
  failedRuns: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

/**
 * One window replay job (src/domain/replay-window.ts), driven by its own alarm: each run reads the
 * hook (one D1 read) and makes up to STEPS_PER_RUN steps, one shard at a time, each a call to that
 * shard's log (`replayWindow`), which appends and stores its own progress in one transaction.
 *
 * A Worker or object dying mid-job loses nothing and doubles nothing: the alarm is set again before a
 * run's work (a run that dies is taken up by it), and the shard's progress is the shard's own, stored
 * with its appends, so a step whose answer was lost is not made again: the next call goes on from
 * what the shard stored, and the job copies the shard's counts rather than adding to them.
 *
 * Cost: per run one D1 read, one alarm and a stored record per step (1 row); per step one Durable
 * Object request ($0.15/M) and in the log up to 100 event rows rewritten ($1/M each: the new
 * deliveries) and one sendBatch. Per replayed delivery that is about one row and one queue message,
 * as a single-event replay. The record is kept KEEP_FINISHED_MS after the job ends, then deleted.
 */
export class ReplayJob extends DurableObject<Env> {
  /** Stores a new job and starts it; the same job again answers it as it is. */
  async start(job: ReplayJobRecord): Promise<ReplayJobRecord> {
    const known = this.record();
    if (known) return known;
    this.save(job);
    await this.ctx.storage.setAlarm(Date.now());
    return job;
  }

  /** The job, or null when there is none of this account here. */
  view(accountId: string): ReplayJobRecord | null {
    const job = this.record();
    return job && job.accountId === accountId ? job : null;
  }

  /** Stops the job after the step in flight, if any (its deliveries stay made and counted). */
  async cancel(accountId: string): Promise<ReplayJobRecord | null> {
    const job = this.view(accountId);
    if (!job || isFinished(job.status)) return job;
    const now = new Date().toISOString();
    this.save({ ...job, status: "cancelled", finishedAt: now, updatedAt: now });
    await this.ctx.storage.setAlarm(Date.now());
    return this.record();
  }

  override async alarm(): Promise<void> {
    const job = this.record();
    if (!job) return;
    if (isFinished(job.status)) return this.afterFinish(job);
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS); // a run that dies is taken up again
    try {
      await this.run(job);
    } catch (error) {
      const current = this.record()!;
      const failedRuns = current.failedRuns + 1;
      const failed = failedRuns >= MAX_FAILED_RUNS;
      log("error", "a replay job's run failed", { job_id: job.id, failed_runs: failedRuns, error: errorDetail(error) });
      this.save({ ...current, failedRuns, ...(failed ? this.ended("failed", `stopped after ${failedRuns} failed runs in a row: ${errorDetail(error)}`) : {}) });
      await this.ctx.storage.setAlarm(Date.now() + (failed ? 0 : Math.min(60_000, 1000 * 2 ** failedRuns)));
      return;
    }
    await this.ctx.storage.setAlarm(Date.now()); // the next run, or the clean-up of a finished job
  }

  private async run(job: ReplayJobRecord): Promise<void> {
    const spec = await this.specOf(job);
    if (typeof spec === "string") return this.save({ ...job, ...this.ended("failed", spec) });
    if (job.status === "queued") this.save({ ...job, status: "running", startedAt: new Date().toISOString() });
    for (let step = 0; step < STEPS_PER_RUN; step++) {
      const current = this.record()!;
      if (isFinished(current.status)) return;
      const shard = current.shards.findIndex((s) => !s.done && !s.capped);
      if (shard === -1) return this.save({ ...current, ...this.ended("done") });
      // Shards are walked in order: the ones before this one are finished, their counts final.
      const before = current.shards.slice(0, shard).reduce((n, s) => n + s.replayed, 0);
      const progress = await logOf(this.env.DELIVERY_LOG, job.accountId, shard).replayWindow(spec, current.limit - before);
      const latest = this.record()!; // a cancel may have come in meanwhile: the step's counts are kept all the same
      const shards = latest.shards.map((s, i) => (i === shard ? progress : s));
      this.save({ ...latest, shards, capped: latest.capped || progress.capped, failedRuns: 0, updatedAt: new Date().toISOString() });
      if (progress.capped) return this.save({ ...this.record()!, ...this.ended("done") });
    }
  }

  /** What each shard is asked, with the hook as it is now; a string when the job cannot go on. */
  private async specOf(job: ReplayJobRecord): Promise<ReplayWindowSpec | string> {
    const db = getDb(this.env.DB);
    const [catalog, hooks] = await db.batch(snapshotReads(db, job.accountId));
    const hook = hooks.find((h) => h.id === job.hookId);
    if (!hook) return "the hook was deleted";
    if (!hook.enabled || hook.state === "deactivated") return "the hook was disabled or deactivated";
    return {
      jobId: job.id,
      hookId: job.hookId,
      from: job.from,
      to: job.to,
      eventTypes: job.eventTypes,
      onlyFailed: job.onlyFailed,
      matchers: matchersFor(hook, hooks),
      catalog: catalog.length === 0 ? null : Object.fromEntries(catalog.map((t) => [t.name, t.applicationLevel])),
    };
  }

  /** Once finished: the shards forget the job's progress, and the record goes KEEP_FINISHED_MS later. */
  private async afterFinish(job: ReplayJobRecord): Promise<void> {
    const finished = Date.parse(job.finishedAt ?? job.updatedAt);
    if (Date.now() >= finished + KEEP_FINISHED_MS) return this.ctx.storage.deleteAll();
    if (!this.ctx.storage.kv.get<boolean>(FORGOTTEN)) {
      await Promise.all(job.shards.map((_, i) => logOf(this.env.DELIVERY_LOG, job.accountId, i).forgetReplay(job.id)));
      this.ctx.storage.kv.put(FORGOTTEN, true);
    }
    await this.ctx.storage.setAlarm(finished + KEEP_FINISHED_MS);
  }

  private ended(status: "done" | "failed", error: string | null = null): Pick<ReplayJobRecord, "status" | "error" | "finishedAt" | "updatedAt"> {
    const now = new Date().toISOString();
    return { status, error, finishedAt: now, updatedAt: now };
  }

  private record(): ReplayJobRecord | null {
    return this.ctx.storage.kv.get<ReplayJobRecord>(JOB) ?? null;
  }

  private save(job: ReplayJobRecord): void {
    this.ctx.storage.kv.put(JOB, job);
  }
}

const isFinished = (s: ReplayJobStatus) => s === "done" || s === "failed" || s === "cancelled";

const JOB = "job";
const FORGOTTEN = "forgotten";
/** Steps per alarm run (up to 1,000 deliveries), then the alarm fires again at once. */
const STEPS_PER_RUN = 10;
/** A run that has not ended by then (its Worker died) is started again. */
const WATCHDOG_MS = 60_000;
const MAX_FAILED_RUNS = 10;
/** How long a finished job can still be read. */
const KEEP_FINISHED_MS = 7 * 86_400_000;

/** A new job's record: every shard still to walk. */
export function newJobRecord(fields: Pick<ReplayJobRecord, "id" | "accountId" | "hookId" | "from" | "to" | "eventTypes" | "onlyFailed" | "limit">, shards: number): ReplayJobRecord {
  const now = new Date().toISOString();
  return { ...fields, status: "queued", shards: Array.from({ length: shards }, () => ({ ...NO_PROGRESS })), capped: false, error: null, failedRuns: 0, createdAt: now, startedAt: null, finishedAt: null, updatedAt: now };
}

/** The object of one job: named by account and job id, so another account's id finds an empty object. */
export function replayJobOf(ns: Env["REPLAY_JOB"], accountId: string, jobId: string): DurableObjectStub<ReplayJob> {
  return ns.get(ns.idFromName(`${accountId}:${jobId}`));
}
