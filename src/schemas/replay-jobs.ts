import { z } from "@hono/zod-openapi";
import { MAX_WINDOW_DAYS } from "../domain/replay-window";
import { IsoInstant, listOf, Timestamp } from "./common";
import { EventName } from "./event-types";

const DAY_MS = 86_400_000;

export const ReplayJobCreate = z
  .strictObject({
    from: IsoInstant.openapi({ description: "Replay events created at or after this instant" }),
    to: IsoInstant.optional().openapi({ description: "…and before this one (default: now); after `from`, at most 400 days later" }),
    event_types: z
      .array(EventName)
      .min(1)
      .max(50)
      .optional()
      .openapi({ description: "Only events of these types (exact names, up to 50); absent: every type the hook matches" }),
    only_failed: z
      .boolean()
      .default(false)
      .openapi({
        description:
          "Only events whose deliveries to this hook all ended `dead` or `skipped` (none succeeded, none still open); otherwise every event of the window the hook matches now (its subscription, scope and content filter)",
      }),
    limit: z
      .number()
      .int()
      .min(1)
      .optional()
      .openapi({ description: "The most deliveries the job makes (default and maximum: the deployment's REPLAY_JOB_MAX_EVENTS, 100,000 unless changed)" }),
  })
  .superRefine((v, ctx) => {
    const to = v.to ? Date.parse(v.to) : Date.now();
    const from = Date.parse(v.from);
    if (to <= from) ctx.addIssue({ code: "custom", path: ["to"], message: v.to ? "must be after `from`" : "`from` must be in the past when `to` is absent (now)" });
    else if (to - from > MAX_WINDOW_DAYS * DAY_MS) ctx.addIssue({ code: "custom", path: ["to"], message: `the window may span at most ${MAX_WINDOW_DAYS} days (the longest retention)` });
  })
  .openapi("ReplayJobCreate");

const Counts = z
  .object({
    scanned: z.number().int().openapi({ description: "Events of the window (of the requested types) read so far, across the account's log shards" }),
    replayed: z.number().int().openapi({ description: "New deliveries made to the hook (one per event taken)" }),
    skipped: z.number().int().openapi({ description: "Events read and not replayed: the hook does not match them now, or (only_failed) its delivery did not fail, or the event holds no more deliveries" }),
  })
  .openapi("ReplayJobCounts");

export const ReplayJob = z
  .object({
    id: z.string().openapi({ description: "The job's id (rpl_…)", example: "rpl_01JDZ8V7Q3W4X5Y6Z7A8B9C0D1" }),
    hook_id: z.string().openapi({ description: "The hook the events are replayed to" }),
    status: z.enum(["queued", "running", "done", "failed", "cancelled"]).openapi({ description: "queued → running → done, failed (see `error`) or cancelled" }),
    from: Timestamp.openapi({ description: "The window's start (inclusive)" }),
    to: Timestamp.openapi({ description: "The window's end (exclusive)" }),
    event_types: z.array(z.string()).nullable().openapi({ description: "The types replayed; null: every type" }),
    only_failed: z.boolean().openapi({ description: "Only events whose deliveries to the hook ended dead or skipped" }),
    limit: z.number().int().openapi({ description: "The cap: the most deliveries this job makes" }),
    capped: z.boolean().openapi({ description: "The job reached its cap with matching events left in the window: it stopped there (start another job from the last replayed event's time for the rest)" }),
    counts: Counts,
    progress: z.number().min(0).max(1).openapi({ description: "How far the job is, 0 to 1 (log shards walked, and the time walked in the current one): an estimate" }),
    shards: z
      .object({
        total: z.number().int().openapi({ description: "The account's log shards the job walks, one after the other" }),
        done: z.number().int().openapi({ description: "Those walked to the end of the window" }),
      })
      .openapi({ description: "The job's walk over the account's log shards" }),
    error: z.string().nullable().openapi({ description: "Why a failed job stopped (the hook was deleted or disabled, or the log kept failing)" }),
    created_at: Timestamp.openapi({ description: "When the job was made" }),
    started_at: Timestamp.nullable().openapi({ description: "When its first step ran" }),
    finished_at: Timestamp.nullable().openapi({ description: "When it ended (done, failed or cancelled); a finished job can be read for 7 days" }),
    updated_at: Timestamp.openapi({ description: "Its last change" }),
  })
  .openapi("ReplayJob");

export const ReplayJobParams = z.object({
  id: z.string().max(64).openapi({ description: "The hook's id" }),
  job_id: z.string().max(64).openapi({ description: "The replay job's id" }),
});

export const ReplayJobList = listOf(ReplayJob, "ReplayJobList");
