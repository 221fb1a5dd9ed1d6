import type { z } from "@hono/zod-openapi";
import type { DeliveryRow, EventRow, EventSummaryRow } from "../log/records";
import type { Event, EventSummary } from "../schemas/events";
import { presentDelivery } from "./deliveries";

export function presentEventSummary(e: EventSummaryRow): z.infer<typeof EventSummary> {
  return {
    id: e.id,
    type: e.type,
    applications: e.applications ?? null,
    work_id: e.workId,
    idempotency_key: e.idempotencyKey,
    created_at: e.createdAt,
  };
}

export function presentEvent(e: EventRow, deliveries: DeliveryRow[], deliveryCount: number): z.infer<typeof Event> {
  return {
    ...presentEventSummary(e),
    payload: JSON.parse(e.payload) as Record<string, unknown>,
    delivery_count: deliveryCount,
    deliveries: deliveries.map((d) => presentDelivery(d, e.type)),
  };
}
