import type { z } from "@hono/zod-openapi";
import type { AttemptRow, DeliveryRow } from "../log/records";
import type { Attempt, Delivery } from "../schemas/deliveries";

export function presentDelivery(d: DeliveryRow, eventType: string): z.infer<typeof Delivery> {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: eventType,
    hook_id: d.hookId,
    status: d.status,
    attempts: d.attempts,
    last_attempt_at: d.lastAttemptAt,
    next_attempt_at: d.status === "pending" || d.status === "failed" ? d.nextAttemptAt : null,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

export function presentAttempt(a: AttemptRow): z.infer<typeof Attempt> {
  return {
    n: a.n,
    at: a.at,
    response_status: a.responseStatus,
    response_body: a.responseBody,
    error: a.error,
    duration_ms: a.durationMs,
  };
}
