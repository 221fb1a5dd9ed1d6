import { describe, expect, it } from "vitest";
import type { ReplayWindowSpec } from "../../src/domain/replay-window";
import { replayStep, SCAN_PER_STEP, REPLAYS_PER_STEP } from "../../src/log/replay-window";
import { newAccount } from "../helpers/api";
import { inLog, logShard, seedDeliveries, seedManyDeliveries } from "../helpers/log";

// One log object's steps of a window replay job (src/log/replay-window.ts): bounded work per step,
// and progress stored with the appends, so a step asked again (its answer lost when the job's Worker
// died) goes on from there instead of appending again.

const DAY = 86_400_000;

function specOf(hookId: string, from: number, to: number): ReplayWindowSpec {
  return {
    jobId: `rpl_${crypto.randomUUID()}`,
    hookId,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    eventTypes: null,
    onlyFailed: false,
    matchers: [{ id: hookId, events: ["t"], applications: null, fallback: false, phase: "post", enabled: true, state: "valid", filter: null }],
    catalog: null,
  };
}

/** Deliveries stored in the shard, all events together. */
const storedDeliveries = (accountId: string) =>
  inLog(accountId, (db) => db.parts.days().reduce((n, day) => n + db.sql.exec<{ n: number }>(`SELECT coalesce(sum(json_array_length(deliveries)), 0) AS n FROM ev_${day}`).one().n, 0));

describe("a window replay's steps in one log object", () => {
  it("does bounded work per step, and a step asked again goes on from what the last one stored: nothing is appended twice", async () => {
    const { accountId } = await newAccount();
    const now = Date.now();
    // 1,100 events the hook does not take, then 250 it does, in the window.
    await seedManyDeliveries(accountId, ["hook_other"], 1100, now - 2 * DAY, DAY);
    await seedDeliveries(accountId, "t", Array.from({ length: 250 }, (_, i) => ({ hookId: "hook_w", status: "succeeded" as const, createdAt: new Date(now - DAY + i).toISOString() })));
    const before = await storedDeliveries(accountId);
    const spec = specOf("hook_w", now - 3 * DAY, now);
    const log = logShard(accountId);

    // The steps run in the object as `replayWindow` runs them, but without queueing what they append,
    // so the rows counted are the steps' own (the consumer's outcomes for queued deliveries, written to
    // this object meanwhile, would be counted too). The RPC with its queueing: test/delivery/replay-job.test.ts.
    const rowsBefore = (await log.usage()).rowsWritten;
    const steps = [];
    for (let i = 0; i < 6; i++) {
      steps.push((await inLog(accountId, (db, state) => replayStep(db, state.storage.kv, spec, 100_000, new Date().toISOString()))).progress);
    }
    const rowsWritten = (await log.usage()).rowsWritten - rowsBefore;
    expect(steps.map((s) => [s.scanned, s.replayed, s.skipped, s.done])).toEqual([
      [SCAN_PER_STEP, 0, SCAN_PER_STEP, false], // only events the hook does not take: the scan bound ends the step
      [1100 + REPLAYS_PER_STEP, REPLAYS_PER_STEP, 1100, false], // the append bound ends the step
      [1100 + 200, 200, 1100, false],
      [1350, 250, 1100, true],
      [1350, 250, 1100, true], // asked again after the end: nothing more
      [1350, 250, 1100, true],
    ]);
    expect(await storedDeliveries(accountId)).toBe(before + 250);
    // What it wrote in SQL: one event row per replayed delivery (the progress is one key-value row a step).
    expect(rowsWritten).toBe(250);

    // Another job over the same window: its own progress, from the start.
    const again = await log.replayWindow({ ...spec, jobId: `rpl_${crypto.randomUUID()}` }, 100_000);
    expect(again).toMatchObject({ scanned: SCAN_PER_STEP, replayed: 0 });
    // A finished job's progress is forgotten: asked again, it would start over (the job never asks again).
    await log.forgetReplay(spec.jobId);
    expect(await log.replayWindow(spec, 0)).toMatchObject({ scanned: SCAN_PER_STEP, replayed: 0, done: false });
  });
});
