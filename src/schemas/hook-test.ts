import { z } from "@hono/zod-openapi";
import { EVENT_NAME } from "../domain/matching";
import { Timestamp, eventPair } from "./common";

export const HookTestRequest = z
  .strictObject({
    event_type: z
      .union([z.string().regex(EVENT_NAME, "event names match [A-Za-z0-9_.:-]{1,128}"), eventPair(false)], {
        error: "an event name ([A-Za-z0-9_.:-]{1,128}), or an {entity, action} pair",
      })
      .optional()
      .openapi({ description: "Default: the hook's first subscribed type (a pattern's `*` read as `test`), or hookrouter.test. A name, or an MLflow `{entity, action}` pair" }),
  })
  .openapi("HookTestRequest");

export const HookTestResult = z
  .object({
    success: z.boolean().openapi({ description: "The receiver answered 2xx in time (for Slack: chat.postMessage said ok)" }),
    response_status: z.number().int().nullable(),
    response_body: z.string().nullable().openapi({ description: "The first 4 KiB of the answer" }),
    error_message: z.string().nullable(),
    tested_at: Timestamp,
    event_type: z.string().openapi({ example: "job_run.failed" }),
  })
  .openapi("HookTestResult");

export const Circuit = z
  .enum(["closed", "open", "half_open"])
  .openapi({ description: "closed: delivering; open: deliveries held back after repeated failures; half_open: a probe delivery is due or in flight" });
