import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BreakerState } from "../../src/domain/circuit-breaker";
import type { BucketState } from "../../src/domain/token-bucket";
import { hookStateOf, type HookState } from "../../src/durable/hook-state";
import type { Env } from "../../src/env";

// The HookState Durable Object through its RPC methods, as the consumer calls it. This project's
// breaker: 10 failures open it, probes 1 s apart, then at most 2 s. Probe times are moved into the
// past through the object's own storage rather than waited for.

const ns = (env as unknown as Env).HOOK_STATE;
const fresh = () => hookStateOf(ns, `hook_${crypto.randomUUID()}`);
const failed = { ok: false, status: 500 };
const succeeded = { ok: true, status: 200 };

/** Makes the next probe due `inMs` from now (by default: due now). */
async function probeDueNow(stub: DurableObjectStub<HookState>, inMs = -1): Promise<void> {
  await runInDurableObject(stub, (_instance, state) => {
    const b = state.storage.kv.get<BreakerState>("breaker")!;
    state.storage.kv.put("breaker", { ...b, nextProbeAtMs: Date.now() + inMs });
  });
}

const stored = <T>(stub: DurableObjectStub<HookState>, key: "bucket" | "breaker") => runInDurableObject(stub, (_i, state) => state.storage.kv.get<T>(key));

/**
 * A bucket of `tokens` whose clock stands still for the test: last brought up to date an hour from
 * now, so no token comes back between the calls however slowly they land, and each wait it answers
 * is exact.
 */
async function bucketStandingStill(stub: DurableObjectStub<HookState>, tokens: number): Promise<void> {
  await runInDurableObject(stub, (_i, state) => state.storage.kv.put("bucket", { tokens, updatedAtMs: Date.now() + 3_600_000 } satisfies BucketState));
}

describe("token bucket over RPC", () => {
  it("burst: a full bucket sends `burst` at once, then reserves slots within the wait allowed, then postpones", async () => {
    const stub = fresh();
    const limit = { rateLimitPerSecond: 5, burst: 3, maxWaitMs: 500 };
    await bucketStandingStill(stub, 3);
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await stub.admit(limit));
    expect(answers.slice(0, 3)).toEqual([
      { action: "send", waitMs: 0, probe: false },
      { action: "send", waitMs: 0, probe: false },
      { action: "send", waitMs: 0, probe: false },
    ]);
    // Reserved: the 4th and 5th sleep until their slot, one and two intervals (200 ms) away.
    expect(answers.slice(3, 5)).toEqual([
      { action: "send", waitMs: 200, probe: false },
      { action: "send", waitMs: 400, probe: false },
    ]);
    // Beyond 500 ms nothing is reserved: postponed, told when to come back (the next token, 600 ms
    // away), each one after the other one interval later: the backlog (the last one's turn + 200 ms)
    // moves on by at least 200 ms per postponed call.
    expect(answers[5]).toEqual({ action: "postpone", reason: "rate_limited", waitMs: 600 });
    expect(answers[6]).toMatchObject({ action: "postpone", reason: "rate_limited" });
    const backlogBefore = (await stored<BucketState>(stub, "bucket"))!.backlogUntilMs!;
    expect(await stub.admit(limit)).toMatchObject({ action: "postpone", reason: "rate_limited" });
    expect((await stored<BucketState>(stub, "bucket"))!.backlogUntilMs! - backlogBefore).toBeGreaterThanOrEqual(200);
  });

  it("refill: an emptied bucket grants again once a token has come back", async () => {
    const stub = fresh();
    const limit = { rateLimitPerSecond: 10, maxWaitMs: 0 };
    expect(await stub.admit(limit)).toEqual({ action: "send", waitMs: 0, probe: false });
    const refused = await stub.admit(limit);
    expect(refused).toMatchObject({ action: "postpone", reason: "rate_limited" });
    await new Promise((r) => setTimeout(r, refused.waitMs + 20));
    expect(await stub.admit(limit)).toEqual({ action: "send", waitMs: 0, probe: false });
  });

  it("fractional rates: 0.5/s leaves the next token 2 s away, and the bucket is kept in the object's storage", async () => {
    const stub = fresh();
    const limit = { rateLimitPerSecond: 0.5, maxWaitMs: 0 };
    await bucketStandingStill(stub, 1);
    expect((await stub.admit(limit)).action).toBe("send");
    expect(await stub.admit(limit)).toEqual({ action: "postpone", reason: "rate_limited", waitMs: 2000 });
    expect((await stored<BucketState>(stub, "bucket"))!.tokens).toBe(0);
  });

  it("a hook without a limit is only asked about its breaker", async () => {
    const stub = fresh();
    for (let i = 0; i < 20; i++) expect(await stub.admit({ rateLimitPerSecond: null, maxWaitMs: 0 })).toEqual({ action: "send", waitMs: 0, probe: false });
    expect(await runInDurableObject(stub, (_i, state) => state.storage.kv.get("bucket"))).toBeUndefined();
  });
});

describe("circuit breaker over RPC", () => {
  const noLimit = { rateLimitPerSecond: null, maxWaitMs: 1000 };

  it("closed → open after 10 consecutive failures → one probe at a time → reopened with a longer interval → closed by a successful probe", async () => {
    const stub = fresh();
    for (let i = 1; i <= 9; i++) expect((await stub.recordAttempt(failed)).circuit).toBe("closed");
    expect(await stub.status()).toMatchObject({ circuit: "closed", consecutive_failures: 9 });
    const opened = await stub.recordAttempt(failed);
    expect(opened).toMatchObject({ circuit: "open", consecutive_failures: 10 });

    // Open: the first probe 1 s after it opened; until it is due, held back and told how long is left
    // (the probe is moved an hour out, so the answer cannot depend on how long the calls take).
    const open = (await stored<BreakerState>(stub, "breaker"))!;
    expect(open).toMatchObject({ probeIntervalMs: 1000, nextProbeAtMs: open.openedAtMs! + 1000 });
    await probeDueNow(stub, 3_600_000);
    const held = await stub.admit(noLimit);
    expect(held).toMatchObject({ action: "postpone", reason: "circuit_open" });
    expect(held.waitMs).toBeGreaterThan(3_600_000 - 60_000); // the test's own timeout is 60 s
    expect(held.waitMs).toBeLessThanOrEqual(3_600_000);

    // Due: exactly one probe goes; the breaker is half open while it is out.
    await probeDueNow(stub);
    expect((await stub.status()).circuit).toBe("half_open");
    expect(await stub.admit(noLimit)).toEqual({ action: "send", waitMs: 0, probe: true });
    expect(await stub.admit(noLimit)).toMatchObject({ action: "postpone", reason: "circuit_open" });

    // The probe fails: open again, the next probe 2 s away.
    // (bounded by the clock read before and after the call: a slow call widens the bounds, never breaks them)
    const beforeFailure = Date.now();
    expect(await stub.recordAttempt(failed, true)).toMatchObject({ circuit: "open", consecutive_failures: 11 });
    const reopened = (await stored<BreakerState>(stub, "breaker"))!;
    expect(reopened.probeIntervalMs).toBe(2000);
    expect(reopened.nextProbeAtMs).toBeGreaterThanOrEqual(beforeFailure + 2000);
    expect(reopened.nextProbeAtMs).toBeLessThanOrEqual(Date.now() + 2000);
    await probeDueNow(stub, 3_600_000);
    expect(await stub.admit(noLimit)).toMatchObject({ action: "postpone", reason: "circuit_open" });

    // The next probe succeeds: closed, the streak forgotten, deliveries flow again.
    await probeDueNow(stub);
    expect(await stub.admit(noLimit)).toEqual({ action: "send", waitMs: 0, probe: true });
    expect(await stub.recordAttempt(succeeded, true)).toMatchObject({ circuit: "closed", consecutive_failures: 0, failing_since: null });
    expect(await stub.admit(noLimit)).toEqual({ action: "send", waitMs: 0, probe: false });
  });

  it("a success before the threshold resets the count", async () => {
    const stub = fresh();
    for (let i = 0; i < 9; i++) await stub.recordAttempt(failed);
    await stub.recordAttempt(succeeded);
    for (let i = 0; i < 9; i++) await stub.recordAttempt(failed);
    expect(await stub.status()).toMatchObject({ circuit: "closed", consecutive_failures: 9 });
  });

  it("a probe that is rate limited does not take the probe's place", async () => {
    const stub = fresh();
    const limited = { rateLimitPerSecond: 1, maxWaitMs: 0 };
    for (let i = 0; i < 10; i++) await stub.recordAttempt(failed);
    await probeDueNow(stub);
    expect(await stub.admit(limited)).toEqual({ action: "send", waitMs: 0, probe: true });
    await stub.recordAttempt(failed, true);
    await probeDueNow(stub);
    // The bucket has no token yet: postponed for the rate limit, and the probe is still to be had.
    expect(await stub.admit(limited)).toMatchObject({ action: "postpone", reason: "rate_limited" });
    expect(await stub.admit({ rateLimitPerSecond: null, maxWaitMs: 0 })).toEqual({ action: "send", waitMs: 0, probe: true });
  });

  it("the hook's row is told when the breaker opens (with the streak's start) and closes, not of every failure; 410 disables", async () => {
    const stub = fresh();
    const first = await stub.recordAttempt(failed);
    // A failure that leaves the breaker closed: nothing for the row (no D1 write).
    expect(first).toMatchObject({ circuit: "closed", consecutive_failures: 1, health: { kind: "none" } });
    for (let i = 2; i < 10; i++) expect((await stub.recordAttempt(failed)).health).toEqual({ kind: "none" });
    // The 10th in a row opens it: the row records the streak's start, the first failure's time.
    expect(await stub.recordAttempt(failed)).toMatchObject({ circuit: "open", health: { kind: "started_failing", at: first.failing_since } });
    expect((await stub.recordAttempt(failed)).health).toEqual({ kind: "none" });
    expect((await stub.recordAttempt(succeeded)).health).toEqual({ kind: "recovered" });
    expect((await stub.recordAttempt(succeeded)).health).toEqual({ kind: "none" });
    // A failure and a success: the streak never reached the row.
    expect((await stub.recordAttempt(failed)).health).toEqual({ kind: "none" });
    expect((await stub.recordAttempt(succeeded)).health).toEqual({ kind: "none" });
    expect((await stub.recordAttempt({ ok: false, status: 410 })).health).toMatchObject({ kind: "disable", reason: expect.stringContaining("410") });
  });

  it("a batch's outcomes count in their order, successes included: one call per hook per batch", async () => {
    const stub = fresh();
    const f = { ...failed, probe: false };
    const s = { ...succeeded, probe: false };
    // 9 failures, a success, 9 failures: never 10 in a row.
    const mixed = await stub.recordAttempts([...Array(9).fill(f), s, ...Array(9).fill(f)]);
    expect(mixed).toMatchObject({ circuit: "closed", consecutive_failures: 9, health: { kind: "none" } });
    // A batch of successes from another consumer ends the streak, as a single success would.
    expect(await stub.recordAttempts([s, s])).toMatchObject({ circuit: "closed", consecutive_failures: 0, health: { kind: "none" } });
    // A failure and a success in one batch leave a healthy hook healthy; a success then a failure starts a streak.
    expect((await stub.recordAttempts([f, s])).health).toEqual({ kind: "none" });
    expect(await stub.recordAttempts([s, f])).toMatchObject({ consecutive_failures: 1, health: { kind: "none" } });
    expect(await stub.recordAttempts(Array(9).fill(f))).toMatchObject({ circuit: "open", consecutive_failures: 10, health: { kind: "started_failing" } });
    expect(await stub.recordAttempts([f, s])).toMatchObject({ circuit: "closed", consecutive_failures: 0, health: { kind: "recovered" } });
    // A 410 anywhere in the batch disables the hook, whatever follows it.
    expect((await fresh().recordAttempts([{ ok: false, status: 410, probe: false }, s])).health).toMatchObject({ kind: "disable", reason: expect.stringContaining("410") });
  });

  it("disables a hook whose attempts have all failed for AUTO_DISABLE_AFTER_SECONDS (5 days)", async () => {
    const stub = fresh();
    await stub.recordAttempt(failed);
    // The streak began 5 days and a second ago.
    await runInDurableObject(stub, (_i, state) => {
      const b = state.storage.kv.get<BreakerState>("breaker")!;
      state.storage.kv.put("breaker", { ...b, failingSinceMs: Date.now() - 432_001_000 });
    });
    const verdict = await stub.recordAttempt(failed);
    expect(verdict.health).toMatchObject({ kind: "disable", reason: expect.stringContaining("5 days") });
  });

  it("resetFailures closes the breaker and forgets the streak", async () => {
    const stub = fresh();
    for (let i = 0; i < 12; i++) await stub.recordAttempt(failed);
    expect((await stub.status()).circuit).toBe("open");
    await stub.resetFailures();
    expect(await stub.status()).toEqual({ circuit: "closed", consecutive_failures: 0, failing_since: null, last_test: null });
  });
});
