import { z } from "@hono/zod-openapi";
import { EVENT_NAME } from "../domain/matching";
import { APPLICATIONS_PATH } from "../domain/payload-applications";
import { Timestamp } from "./common";

export const EventName = z.string().regex(EVENT_NAME, "event names match [A-Za-z0-9_.:-]{1,128}").openapi({ example: "job_run.failed" });

export const EventTypePut = z
  .strictObject({
    description: z.string().max(2000).default(""),
    application_level: z.boolean().default(true),
    applications_path: z
      .string()
      .regex(APPLICATIONS_PATH, "a dotted path of keys ([A-Za-z0-9_-], at most 8 levels): application_names, action_data.application_name")
      .nullable()
      .default(null)
      .openapi({
        description:
          "Where this type's payload names the applications it concerns (a string or a list of strings), read when an event is published or a gate called without `applications` (Huskar: application_names)",
        example: "application_names",
      }),
  })
  .openapi("EventTypePut");
export const EventType = z
  .object({
    name: z.string(),
    description: z.string(),
    application_level: z.boolean(),
    applications_path: z.string().nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("EventType");
export const EventTypeParam = z.object({ name: EventName });
