import type { z } from "@hono/zod-openapi";
import type { HookRow } from "../db/schema";
import type { HookLiveState } from "../durable/hook-state";
import type { Hook } from "../schemas/hooks";

export function presentHook(h: HookRow): z.infer<typeof Hook> {
  return {
    id: h.id,
    name: h.name,
    description: h.description,
    kind: h.kind,
    url: h.url,
    slack: h.slackChannelId ? { channel_id: h.slackChannelId } : null,
    events: h.events,
    applications: h.applications ?? null,
    fallback: h.fallback,
    phase: h.phase,
    on_error: h.onError,
    timeout_ms: h.timeoutMs,
    retry_schedule: h.retrySchedule ?? null,
    delivery_timeout_ms: h.deliveryTimeoutMs,
    final_statuses: h.finalStatuses ?? null,
    ordering: h.ordering,
    ordering_on_dead: h.orderingOnDead,
    enabled: h.enabled,
    status: h.enabled ? "ACTIVE" : "DISABLED",
    signed: h.signed,
    rate_limit_per_second: h.rateLimitPerSecond,
    payload_format: h.payloadFormat,
    headers: h.headers,
    metadata: h.metadata,
    filter: h.filter ?? null,
    transform: h.transform ?? null,
    signing_scheme: h.signingScheme,
    public_key: h.publicKey,
    state: h.state,
    disabled_reason: h.disabledReason,
    created_by: h.createdBy,
    updated_by: h.updatedBy,
    created_by_user_id: h.createdByUserId,
    updated_by_user_id: h.updatedByUserId,
    created_at: h.createdAt,
    updated_at: h.updatedAt,
  };
}

/** One hook with the live state its Durable Object keeps (GET /v1/hooks/{id}). */
export function presentHookDetail(h: HookRow, live: HookLiveState): z.infer<typeof Hook> {
  return { ...presentHook(h), circuit: live.circuit, last_test: live.last_test, ...(live.line ? { line: live.line } : {}) };
}
