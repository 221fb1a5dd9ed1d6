import { z } from "@hono/zod-openapi";
import { IsoInstant, PaginationQuery, Timestamp, listOf } from "./common";
import { EventName } from "./event-types";

export const DeliveryStatus = z
  .enum(["pending", "succeeded", "failed", "dead", "skipped"])
  .openapi({ description: "pending, succeeded, failed (will retry), dead (gave up), skipped (hook disabled or deleted)" });

export const Delivery = z
  .object({
    id: z.string().openapi({ example: "dlv_01JD3Z5Q3W9X4Y2V8N6M1K0P7R", description: "Also the `webhook-id` header of every attempt" }),
    event_id: z.string(),
    event_type: z.string(),
    hook_id: z.string(),
    status: DeliveryStatus,
    attempts: z.number().int().openapi({ description: "How many attempts were made" }),
    last_attempt_at: Timestamp.nullable(),
    next_attempt_at: Timestamp.nullable().openapi({ description: "When the next automatic attempt is due (pending or failed)" }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Delivery");

export const Attempt = z
  .object({
    n: z.number().int(),
    at: Timestamp,
    response_status: z.number().int().nullable(),
    response_body: z.string().nullable().openapi({ description: "The first 4 KiB of the answer" }),
    error: z.string().nullable(),
    duration_ms: z.number().int(),
  })
  .openapi("Attempt");

export const DeliveryDetail = Delivery.extend({ attempt_log: z.array(Attempt) }).openapi("DeliveryDetail");
export const DeliveryList = listOf(Delivery, "DeliveryList");
export const DeliveryIdParam = z.object({ id: z.string().max(64) });

export const DeliveryListQuery = PaginationQuery.extend({
  hook_id: z.string().max(64).optional(),
  event_id: z.string().max(64).optional(),
  status: DeliveryStatus.optional(),
  event_type: EventName.optional().openapi({ description: "Deliveries of events of this type" }),
  created_after: IsoInstant.optional().openapi({ description: "Deliveries created at or after this instant" }),
  created_before: IsoInstant.optional().openapi({ description: "Deliveries created before this instant" }),
});
