import { MAX_QUEUE_DELAY_SECONDS } from "./retry";

// A hook's own delivery policy: its retry schedule, its request timeout and which answers end the
// retries. Each is optional; what a hook leaves unset is the deployment's (RETRY_SCHEDULE,
// DELIVERY_TIMEOUT_MS, every failure retried). Pure: the consumer and the sender read it per hook.

/** At most this many retries: the schedule's length bounds how long a delivery can keep a hook busy. */
export const MAX_RETRY_STEPS = 20;
/** Each step is a queue delay, so at most the queue's (12 h). */
export const MAX_RETRY_STEP_SECONDS = MAX_QUEUE_DELAY_SECONDS;
export const MIN_DELIVERY_TIMEOUT_MS = 100;

/**
 * The preset of `final_statuses`: a 4xx says the request itself is wrong and will be refused again,
 * except the four that say "not now": 408 (request timeout), 409 (conflict, often transient),
 * 425 (too early) and 429 (too many requests).
 */
export const CLIENT_ERRORS = "client_errors";
export const RETRIED_CLIENT_ERRORS: readonly number[] = [408, 409, 425, 429];

/** Answers after which a delivery is not retried: listed statuses, or the preset. Null: none. */
export type FinalStatuses = number[] | typeof CLIENT_ERRORS | null;

export interface HookPolicyFields {
  retrySchedule: number[] | null;
  deliveryTimeoutMs: number | null;
  finalStatuses: FinalStatuses;
}

export interface DeploymentDefaults {
  RETRY_SCHEDULE: readonly number[];
  DELIVERY_TIMEOUT_MS: number;
}

/** Is this answer final under the hook's policy (no retry: the delivery is dead at once)? */
export function isFinalAnswer(final: FinalStatuses, status: number | null): boolean {
  if (final === null || status === null) return false;
  if (final === CLIENT_ERRORS) return status >= 400 && status < 500 && !RETRIED_CLIENT_ERRORS.includes(status);
  return final.includes(status);
}

export function retryScheduleOf(hook: Pick<HookPolicyFields, "retrySchedule">, d: DeploymentDefaults): readonly number[] {
  return hook.retrySchedule ?? d.RETRY_SCHEDULE;
}

/**
 * The hook's timeout, never above the deployment's: that bound is what the publishing Worker's
 * first attempt and the breaker's probe lease are sized for (a hook saved under a larger one keeps
 * working, clamped, after the deployment lowers it).
 */
export function deliveryTimeoutOf(hook: Pick<HookPolicyFields, "deliveryTimeoutMs">, d: DeploymentDefaults): number {
  return Math.min(hook.deliveryTimeoutMs ?? d.DELIVERY_TIMEOUT_MS, d.DELIVERY_TIMEOUT_MS);
}
