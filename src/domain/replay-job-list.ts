import { ulidTime } from "./ids";

// The list of a hook's window replay jobs that its HookState keeps, for GET /v1/hooks/{id}/replays:
// job ids (`rpl_` + a ULID, so they sort by creation time), newest first. Each job's own object
// holds its record (src/durable/replay-job.ts), a finished one for 7 days; an id whose record is gone
// is left out when the list is read, and entries past KEEP_LISTED_MS or the MAX_LISTED newest are
// dropped when a job is added.

/** A finished job's 7 days, with room for the longest run. */
export const KEEP_LISTED_MS = 30 * 86_400_000;
/** Ids kept per hook: one kv value of a few kilobytes. */
export const MAX_LISTED = 200;

/** The list with a new job's id first. */
export function withReplayJob(ids: string[], id: string, nowMs: number): string[] {
  const oldest = `rpl_${ulidTime(nowMs - KEEP_LISTED_MS)}`;
  return [...new Set([id, ...ids])]
    .filter((x) => x >= oldest)
    .sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))
    .slice(0, MAX_LISTED);
}

/** The ids after `cursor` (older than it), newest first. */
export function replayJobsAfter(ids: string[], cursor: string | undefined): string[] {
  return cursor === undefined ? ids : ids.filter((x) => x < cursor);
}
