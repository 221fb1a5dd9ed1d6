import { describe, expect, it } from "vitest";
import { afterManualFailure, crashRetryDelay, isSettled, verdictAfterAttempt, verdictWhenGivingUp } from "../../src/domain/delivery-verdict";
import { healthAfterAttempt } from "../../src/domain/hook-health";
import { MAX_QUEUE_DELAY_SECONDS, maxAttempts, nextRetryDelay, slowFailureFloor } from "../../src/domain/retry";

const PROD = [5, 300, 1800, 7200, 18000, 36000, 36000];
const TEST = [1, 1, 1];
const plainFailure = { status: 500, timedOut: false, retryAfterSeconds: null };

describe("retry schedule", () => {
  it("gives schedule.length + 1 attempts and follows the schedule without jitter at random = 0.5", () => {
    expect(maxAttempts(PROD)).toBe(8);
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempt) => nextRetryDelay(PROD, { ...plainFailure, attempt }, 0.5));
    expect(delays).toEqual(PROD);
    expect(nextRetryDelay(PROD, { ...plainFailure, attempt: 8 }, 0.5)).toBeNull();
    expect(nextRetryDelay(TEST, { ...plainFailure, attempt: 4 }, 0.5)).toBeNull();
  });

  it("jitters by at most ±20 %", () => {
    expect(nextRetryDelay(PROD, { ...plainFailure, attempt: 2 }, 0)).toBe(240);
    expect(nextRetryDelay(PROD, { ...plainFailure, attempt: 2 }, 0.999999)).toBe(360);
    for (let r = 0; r < 1; r += 0.05) {
      const d = nextRetryDelay(PROD, { ...plainFailure, attempt: 4 }, r)!;
      expect(d).toBeGreaterThanOrEqual(7200 * 0.8);
      expect(d).toBeLessThanOrEqual(7200 * 1.2);
    }
  });

  it("asks for whole seconds (the queue's unit) that stay inside the band: a 3 s wait is never 2 s or 4 s", () => {
    for (const base of [1, 2, 3, 4, 5, 7, 15]) {
      for (let r = 0; r < 1; r += 0.01) {
        const d = nextRetryDelay([base], { ...plainFailure, attempt: 1 }, r)!;
        expect(Number.isInteger(d), `${base} s at ${r}`).toBe(true);
        expect(d, `${base} s at ${r}`).toBeGreaterThanOrEqual(base * 0.8 - 1e-9);
        expect(d, `${base} s at ${r}`).toBeLessThanOrEqual(base * 1.2 + 1e-9);
      }
    }
  });

  it("honours a longer Retry-After, clamped to twice the scheduled wait", () => {
    expect(nextRetryDelay(PROD, { status: 503, timedOut: false, retryAfterSeconds: 8, attempt: 1 }, 0.5)).toBe(8);
    expect(nextRetryDelay(PROD, { status: 503, timedOut: false, retryAfterSeconds: 3600, attempt: 2 }, 0.5)).toBe(600);
    // A shorter Retry-After does not shorten the schedule.
    expect(nextRetryDelay(PROD, { status: 503, timedOut: false, retryAfterSeconds: 1, attempt: 2 }, 0.5)).toBe(300);
  });

  it("makes a timeout or a 429 wait at least 60 s in the production schedule only", () => {
    expect(slowFailureFloor(PROD)).toBe(60);
    expect(nextRetryDelay(PROD, { status: null, timedOut: true, retryAfterSeconds: null, attempt: 1 }, 0.5)).toBe(60);
    expect(nextRetryDelay(PROD, { status: 429, timedOut: false, retryAfterSeconds: null, attempt: 1 }, 0.5)).toBe(60);
    // A 429 whose Retry-After is longer still gets the floor, and the clamp never goes below it.
    expect(nextRetryDelay(PROD, { status: 429, timedOut: false, retryAfterSeconds: 30, attempt: 1 }, 0.5)).toBe(60);
    expect(nextRetryDelay(PROD, { status: 429, timedOut: false, retryAfterSeconds: 500, attempt: 2 }, 0.5)).toBe(500);
    // A shrunk schedule is taken literally: tests and local runs stay fast.
    expect(slowFailureFloor(TEST)).toBe(1);
    expect(nextRetryDelay(TEST, { status: null, timedOut: true, retryAfterSeconds: null, attempt: 1 }, 0.5)).toBe(1);
    expect(nextRetryDelay(TEST, { status: 429, timedOut: false, retryAfterSeconds: 120, attempt: 1 }, 0.5)).toBe(2);
  });

  it("never asks the queue for more than its maximum delay", () => {
    expect(nextRetryDelay([100_000], { ...plainFailure, attempt: 1 }, 0.99)).toBe(MAX_QUEUE_DELAY_SECONDS);
  });
});

describe("delivery verdicts", () => {
  const now = new Date("2026-01-01T00:00:00.000Z");
  const base = { manual: false, schedule: TEST, now, random: 0.5, before: { status: "pending" as const, nextAttemptAt: null } };

  it("succeeds on 2xx, retries on the schedule, and is dead (and dead-lettered) after the last attempt", () => {
    expect(verdictAfterAttempt({ ...base, queueAttempt: 1, result: { ok: true, status: 200, timedOut: false, retryAfterSeconds: null } }).status).toBe("succeeded");
    const retry = verdictAfterAttempt({ ...base, queueAttempt: 3, result: { ok: false, ...plainFailure } });
    expect(retry).toEqual({ status: "failed", nextAttemptAt: "2026-01-01T00:00:01.000Z", retryDelaySeconds: 1, deadLetter: false });
    expect(verdictAfterAttempt({ ...base, queueAttempt: 4, result: { ok: false, ...plainFailure } })).toEqual({
      status: "dead",
      nextAttemptAt: null,
      retryDelaySeconds: null,
      deadLetter: true,
    });
  });

  it("never reschedules a manual attempt, and leaves a delivery on its automatic schedule alone", () => {
    const manualDead = verdictAfterAttempt({ ...base, manual: true, queueAttempt: 1, result: { ok: false, ...plainFailure } });
    expect(manualDead).toEqual({ status: "dead", nextAttemptAt: null, retryDelaySeconds: null, deadLetter: false });
    const stillFailing = afterManualFailure({ status: "failed", nextAttemptAt: "2026-01-01T01:00:00.000Z" });
    expect(stillFailing).toEqual({ status: "failed", nextAttemptAt: "2026-01-01T01:00:00.000Z", retryDelaySeconds: null, deadLetter: false });
  });

  it("retries a crashed message on the schedule and gives up after the configured attempts", () => {
    expect(crashRetryDelay(TEST, 1)).toBe(1);
    expect(crashRetryDelay(TEST, 4)).toBeNull();
    expect(verdictWhenGivingUp({ status: "pending", nextAttemptAt: null }, false)).toMatchObject({ status: "dead", deadLetter: true });
    expect(verdictWhenGivingUp({ status: "failed", nextAttemptAt: null }, true)).toMatchObject({ status: "failed", deadLetter: false });
  });

  it("does not send a settled delivery again, except on a manual request out of dead or skipped", () => {
    expect(isSettled("succeeded", false)).toBe(true);
    expect(isSettled("succeeded", true)).toBe(true);
    expect(isSettled("dead", false)).toBe(true);
    expect(isSettled("skipped", false)).toBe(true);
    expect(isSettled("dead", true)).toBe(false);
    expect(isSettled("failed", false)).toBe(false);
    expect(isSettled("pending", false)).toBe(false);
  });
});

describe("hook health", () => {
  const day = 86_400;
  const t0 = new Date("2026-01-01T00:00:00.000Z");
  const later = (s: number) => new Date(t0.getTime() + s * 1000);

  it("disables at once on 410 Gone", () => {
    expect(healthAfterAttempt({ failingSince: null }, { ok: false, status: 410 }, t0, 5 * day)).toEqual({
      kind: "disable",
      reason: "the receiver answered 410 Gone",
    });
  });

  it("starts, keeps and clears the failure record, and disables after the configured time of failures only", () => {
    expect(healthAfterAttempt({ failingSince: null }, { ok: true, status: 200 }, t0, 5 * day)).toEqual({ kind: "none" });
    expect(healthAfterAttempt({ failingSince: null }, { ok: false, status: 500 }, t0, 5 * day)).toEqual({ kind: "started_failing", at: t0.toISOString() });
    const failing = { failingSince: t0.toISOString() };
    expect(healthAfterAttempt(failing, { ok: false, status: null }, later(5 * day - 1), 5 * day)).toEqual({ kind: "none" });
    expect(healthAfterAttempt(failing, { ok: true, status: 204 }, later(5 * day - 1), 5 * day)).toEqual({ kind: "recovered" });
    const disabled = healthAfterAttempt(failing, { ok: false, status: 500 }, later(5 * day), 5 * day);
    expect(disabled).toEqual({ kind: "disable", reason: `every delivery failed for 5 days (failing since ${t0.toISOString()})` });
  });
});
