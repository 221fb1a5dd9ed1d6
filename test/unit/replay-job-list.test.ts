import { describe, expect, it } from "vitest";
import { ulidTime } from "../../src/domain/ids";
import { KEEP_LISTED_MS, MAX_LISTED, replayJobsAfter, withReplayJob } from "../../src/domain/replay-job-list";

// The list of a hook's replay jobs its HookState keeps: newest first, no repeats, nothing older than
// KEEP_LISTED_MS, at most MAX_LISTED ids.

const NOW = Date.parse("2026-12-03T00:00:00Z");
/** A job id made at `ms` (a ULID's time part, a fixed random part). */
const jobAt = (ms: number) => `rpl_${ulidTime(ms)}${"0".repeat(16)}`;

describe("a hook's list of replay jobs", () => {
  it("puts a new job first, keeps each id once, and reads after a cursor", () => {
    const [a, b, c] = [jobAt(NOW - 3000), jobAt(NOW - 2000), jobAt(NOW - 1000)];
    let ids = withReplayJob([], a, NOW);
    ids = withReplayJob(ids, b, NOW);
    ids = withReplayJob(ids, c, NOW);
    expect(withReplayJob(ids, b, NOW)).toEqual([c, b, a]);
    expect(replayJobsAfter(ids, undefined)).toEqual([c, b, a]);
    expect(replayJobsAfter(ids, c)).toEqual([b, a]);
    expect(replayJobsAfter(ids, a)).toEqual([]);
  });

  it("drops what is older than KEEP_LISTED_MS and what is past the MAX_LISTED newest", () => {
    const old = jobAt(NOW - KEEP_LISTED_MS - 1000);
    const kept = jobAt(NOW - KEEP_LISTED_MS + 60_000);
    expect(withReplayJob([kept, old], jobAt(NOW), NOW)).toEqual([expect.any(String), kept]);
    const many = Array.from({ length: MAX_LISTED }, (_, i) => jobAt(NOW - (MAX_LISTED - i) * 1000)).reverse();
    const newest = jobAt(NOW);
    const after = withReplayJob(many, newest, NOW);
    expect(after).toHaveLength(MAX_LISTED);
    expect(after[0]).toBe(newest);
    expect(after).not.toContain(many[MAX_LISTED - 1]);
  });
});
