import { z } from "@hono/zod-openapi";
import { EVENT_NAME } from "../domain/matching";
import { Timestamp } from "./common";

export const EventName = z.string().regex(EVENT_NAME, "event names match [A-Za-z0-9_.:-]{1,128}").openapi({ example: "job_run.failed" });

export const EventTypePut = z
  .strictObject({
    description: z.string().max(2000).default(""),
    application_level: z.boolean().default(true),
  })
  .openapi("EventTypePut");
export const EventType = z
  .object({ name: z.string(), description: z.string(), application_level: z.boolean(), created_at: Timestamp, updated_at: Timestamp })
  .openapi("EventType");
export const EventTypeParam = z.object({ name: EventName });
