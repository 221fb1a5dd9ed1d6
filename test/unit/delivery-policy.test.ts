import { describe, expect, it } from "vitest";
import { verdictAfterAttempt } from "../../src/domain/delivery-verdict";
import { CLIENT_ERRORS, deliveryTimeoutOf, isFinalAnswer, retryScheduleOf } from "../../src/domain/delivery-policy";

const deployment = { RETRY_SCHEDULE: [5, 300, 1800], DELIVERY_TIMEOUT_MS: 15_000 };
const failure = (status: number | null) => ({ ok: false, status, timedOut: false, retryAfterSeconds: null });

describe("a hook's delivery policy", () => {
  it("makes the preset's 4xx final but retries 408, 409, 425 and 429, and never a 5xx or a missing answer", () => {
    for (const s of [400, 401, 403, 404, 410, 413, 422, 499]) expect(isFinalAnswer(CLIENT_ERRORS, s)).toBe(true);
    for (const s of [408, 409, 425, 429, 500, 502, 503, 302, null]) expect(isFinalAnswer(CLIENT_ERRORS, s)).toBe(false);
  });

  it("makes exactly the listed statuses final, and none without a policy", () => {
    expect(isFinalAnswer([404, 503], 503)).toBe(true);
    expect(isFinalAnswer([404, 503], 400)).toBe(false);
    expect(isFinalAnswer(null, 400)).toBe(false);
    expect(isFinalAnswer([], 400)).toBe(false);
  });

  it("ends an automatic delivery at a final answer (dead, dead-lettered), not a manual one", () => {
    const base = { manual: false, queueAttempt: 1, schedule: [1, 1, 1], now: new Date(0), random: 0.5, before: { status: "pending" as const, nextAttemptAt: null } };
    expect(verdictAfterAttempt({ ...base, result: failure(400), finalStatuses: CLIENT_ERRORS })).toEqual({ status: "dead", nextAttemptAt: null, retryDelaySeconds: null, deadLetter: true });
    expect(verdictAfterAttempt({ ...base, result: failure(429), finalStatuses: CLIENT_ERRORS })).toMatchObject({ status: "failed", retryDelaySeconds: 1 });
    expect(verdictAfterAttempt({ ...base, result: failure(400) })).toMatchObject({ status: "failed" });
    // A manual attempt is never rescheduled anyway; a final answer does not dead-letter it again.
    expect(verdictAfterAttempt({ ...base, manual: true, result: failure(400), finalStatuses: CLIENT_ERRORS })).toMatchObject({ status: "dead", deadLetter: false });
  });

  it("takes the hook's schedule and timeout over the deployment's, the timeout never above the deployment's", () => {
    expect(retryScheduleOf({ retrySchedule: null }, deployment)).toEqual([5, 300, 1800]);
    expect(retryScheduleOf({ retrySchedule: [] }, deployment)).toEqual([]);
    expect(retryScheduleOf({ retrySchedule: [2, 4] }, deployment)).toEqual([2, 4]);
    expect(deliveryTimeoutOf({ deliveryTimeoutMs: null }, deployment)).toBe(15_000);
    expect(deliveryTimeoutOf({ deliveryTimeoutMs: 500 }, deployment)).toBe(500);
    expect(deliveryTimeoutOf({ deliveryTimeoutMs: 30_000 }, deployment)).toBe(15_000);
  });
});
