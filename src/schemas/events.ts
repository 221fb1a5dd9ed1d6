import { z } from "@hono/zod-openapi";
import { WORK_ID_PATTERN } from "../domain/gates";
import { ApplicationName, IsoInstant, PaginationQuery, Timestamp, eventPair, listOf } from "./common";
import { Delivery } from "./deliveries";
import { EventName } from "./event-types";

/** Printable ASCII without spaces: safe in a header and in logs. */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, "an idempotency key is 1 to 255 printable ASCII characters without spaces");

const Payload = z.record(z.string(), z.unknown()).openapi({ description: "The event's data: a JSON object, at most 256 KiB serialised" });

/** The rule a gate's work_id answer is held to too (src/domain/gates.ts), so a gate's work_id can always be published with. */
export const WorkId = z
  .string()
  .regex(WORK_ID_PATTERN, "a work_id is 1 to 128 printable ASCII characters without spaces")
  .openapi({ example: "work_01JD3Z5Q3W9X4Y2V8N6M1K0P7R" });

export const EventCreate = z
  .strictObject({
    type: z
      .union([EventName, eventPair(false)], { error: "an event name ([A-Za-z0-9_.:-]{1,128}), or an {entity, action} pair" })
      .openapi({ description: "The event's type: a name, or an MLflow `{entity, action}` pair (published as `entity.action` in lower case)" }),
    payload: Payload,
    applications: z
      .array(ApplicationName)
      .max(100)
      .optional()
      .openapi({
        description:
          "The applications this event concerns (application-scoped hooks); left out, read from the payload when the type's catalog entry names an applications_path, " +
          "else those of the API key when it is bound to applications (a bound key naming another application answers 403)",
      }),
    work_id: WorkId.optional().openapi({ description: "Correlates the event with a pre-hook gate run; sent in every delivery" }),
    idempotency_key: IdempotencyKey.optional().openapi({ description: "Same as the Idempotency-Key header" }),
    hook_ids: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(100)
      .optional()
      .openapi({
        description:
          "A targeted send: deliver to these hooks only, whatever they subscribe to (the type must still be in the catalog, if the account has one). " +
          "A disabled or deactivated hook gets no delivery; an id that is not a post-hook of this account answers 422 naming it",
        example: ["hook_01JD3Z5Q3W9X4Y2V8N6M1K0P7R"],
      }),
  })
  .openapi("EventCreate");

export const EventCreateHeaders = z.object({
  "idempotency-key": IdempotencyKey.optional().openapi({ description: "A repeat within 24 h answers the first event and creates nothing" }),
});

export const EventAccepted = z
  .object({ id: z.string(), type: z.string(), deliveries: z.number().int().openapi({ description: "How many deliveries the event made" }) })
  .openapi("EventAccepted");

export const EventSummary = z
  .object({
    id: z.string().openapi({ example: "evt_01JD3Z5Q3W9X4Y2V8N6M1K0P7R" }),
    type: z.string(),
    applications: z.array(z.string()).nullable(),
    work_id: z.string().nullable(),
    idempotency_key: z.string().nullable(),
    created_at: Timestamp,
  })
  .openapi("EventSummary");

export const Event = EventSummary.extend({
  payload: z.record(z.string(), z.unknown()),
  delivery_count: z.number().int(),
  deliveries: z.array(Delivery).openapi({ description: "The first 100 deliveries; GET /v1/deliveries?event_id= lists them all" }),
}).openapi("Event");

export const EventReplay = z
  .strictObject({
    hook_ids: EventCreate.shape.hook_ids.openapi({
      description: "Replay to these hooks only (as hook_ids on a publish); absent: to every hook the event matches now",
    }),
  })
  .openapi("EventReplay");

export const EventReplayed = z
  .object({
    event_id: z.string(),
    deliveries: z.number().int().openapi({ description: "How many new deliveries the replay made" }),
    delivery_ids: z.array(z.string()).openapi({ description: "The new deliveries (new ids, so new webhook-ids), in the order of their hooks" }),
  })
  .openapi("EventReplayed");

export const EventList = listOf(EventSummary, "EventList");
export const EventIdParam = z.object({ id: z.string().max(64) });

export const EventListQuery = PaginationQuery.extend({
  type: EventName.optional(),
  created_after: IsoInstant.optional(),
  created_before: IsoInstant.optional(),
});
