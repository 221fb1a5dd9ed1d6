import { z } from "@hono/zod-openapi";
import { EVENT_NAME } from "../domain/matching";
import { APPLICATIONS_PATH } from "../domain/payload-applications";
import { BoolQuery, Timestamp } from "./common";

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
    built_in: z.boolean().openapi({ description: "True for hookrouter's own operational events (`hookrouter.*`, docs/operational-events.md): listed with `include_built_in=true`, never stored, changed or deleted" }),
    payload_schema: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: "A built-in type's payload, as JSON Schema; null for the account's own types" }),
    created_at: Timestamp.nullable().openapi({ description: "Null for a built-in type" }),
    updated_at: Timestamp.nullable().openapi({ description: "Null for a built-in type" }),
  })
  .openapi("EventType");
export const EventTypeListQuery = z.object({
  include_built_in: BoolQuery.optional().openapi({
    description: "`true`: the built-in operational event types (`hookrouter.*`) follow the account's own. They are cataloged in every account: hooks may subscribe to them whatever the catalog",
  }),
});
export const EventTypeParam = z.object({ name: EventName });
