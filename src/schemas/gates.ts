import { z } from "@hono/zod-openapi";
import { ApplicationName, Timestamp } from "./common";
import { EventName } from "./event-types";
import { EventSummary, WorkId } from "./events";

export const GateTypeParam = z.object({ type: EventName });
export const WorkIdParam = z.object({ work_id: WorkId });

export const GateRequest = z
  .strictObject({
    payload: z
      .record(z.string(), z.unknown())
      .openapi({ description: "The action's details: a JSON object, at most 256 KiB serialised (as for events); gates receive it as the envelope's `data`", example: { cluster_id: "c-1", node_count: 3 } }),
    applications: z.array(ApplicationName).max(100).optional(),
    auth_id: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .openapi({ description: "Who asks (e.g. the requesting user's session id); passed to every gate as `auth_id`" }),
  })
  .openapi("GateRequest");

export const GateDecision = z
  .object({
    hook_id: z.string(),
    approved: z.boolean(),
    reason: z.string().optional().openapi({ description: "The gate's own reason, when it gave one" }),
    error: z.string().optional().openapi({ description: "Why the gate gave no usable answer; `approved` is then its on_error" }),
    duration_ms: z.number().int(),
  })
  .openapi("GateDecision");

const GateContext = z.record(z.string(), z.unknown()).openapi({
  description: "Every extra field the gates answered (e.g. user_id, project_id); the oldest hook's value wins on a clash",
});

export const GateResult = z
  .object({
    approved: z.boolean(),
    work_id: z.string().openapi({ description: "The first work_id a gate answered, else a generated work_ id; publish events with it" }),
    decisions: z.array(GateDecision),
    context: GateContext,
  })
  .openapi("GateResult");

export const GateRun = z
  .object({
    id: z.string().openapi({ example: "gate_01JD3Z5Q3W9X4Y2V8N6M1K0P7R" }),
    type: z.string(),
    approved: z.boolean(),
    auth_id: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
    applications: z.array(z.string()).nullable(),
    decisions: z.array(GateDecision),
    context: GateContext,
    duration_ms: z.number().int(),
    created_at: Timestamp,
  })
  .openapi("GateRun");

export const WorkRecord = z
  .object({
    work_id: z.string(),
    gate_runs: z.array(GateRun).openapi({ description: "Gate runs under this work_id, oldest first (at most 100)" }),
    events: z.array(EventSummary).openapi({ description: "Events published with this work_id, oldest first (at most 100)" }),
  })
  .openapi("WorkRecord");
