import type { z } from "@hono/zod-openapi";
import { parseLogId } from "../domain/log-ids";
import { progressOf, totals } from "../domain/replay-window";
import type { ReplayJobRecord } from "../durable/replay-job";
import type { ReplayJob } from "../schemas/replay-jobs";

export function presentReplayJob(j: ReplayJobRecord): z.infer<typeof ReplayJob> {
  const finished = j.status === "done";
  return {
    id: j.id,
    hook_id: j.hookId,
    status: j.status,
    from: j.from,
    to: j.to,
    event_types: j.eventTypes,
    only_failed: j.onlyFailed,
    limit: j.limit,
    capped: j.capped,
    counts: totals(j.shards),
    progress: finished ? 1 : progressOf(j.shards, j.from, j.to, (cursor) => parseLogId(cursor)?.ms ?? null),
    shards: { total: j.shards.length, done: j.shards.filter((s) => s.done).length },
    error: j.error,
    created_at: j.createdAt,
    started_at: j.startedAt,
    finished_at: j.finishedAt,
    updated_at: j.updatedAt,
  };
}
