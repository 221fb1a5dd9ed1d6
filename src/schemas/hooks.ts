import { z } from "@hono/zod-openapi";
import { EVENT_PATTERN } from "../domain/matching";
import { isValidSecret } from "../domain/hook-secret";
import { HEADER_NAME, isReservedHeader } from "../domain/hook-headers";
import { ApplicationName, BoolQuery, IsoInstant, PaginationQuery, StringMap, Timestamp, listOf } from "./common";
import { Circuit, HookTestResult } from "./hook-test";

const EventPattern = z
  .string()
  .regex(EVENT_PATTERN, "event names and patterns match [A-Za-z0-9_.:*-]{1,128}")
  .openapi({ example: "job_run.*" });

const HookHeaders = z
  .record(
    z.string().regex(HEADER_NAME, "not a valid header name").refine((n) => !isReservedHeader(n), "this header is set by hookrouter and cannot be overridden"),
    z.string().max(1024).regex(/^[^\r\n\0]*$/, "header values cannot contain CR, LF or NUL"),
  )
  .refine((m) => Object.keys(m).length <= 20, "at most 20 headers")
  .openapi({ description: "Extra request headers sent with every delivery (never webhook-*, content-type or user-agent)" });

const Secret = z
  .string()
  .refine(isValidSecret, "a secret is whsec_ followed by the base64 of 24 to 64 bytes")
  .openapi({ example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" });

const hookFields = {
  name: z.string().trim().min(1).max(100),
  description: z.string().max(1000),
  kind: z.enum(["webhook", "slack"]),
  url: z.string().max(2048).openapi({
    example: "https://example.com/webhooks",
    description: "An http(s) URL the outbound URL guard allows, or `tunnel://NAME`: delivered over the tunnel of that name that `hookrouter listen --tunnel NAME` holds open",
  }),
  slack: z.strictObject({ channel_id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, "not a Slack channel id") }),
  events: z.array(EventPattern).max(100),
  applications: z.array(ApplicationName).min(1).max(100).nullable(),
  fallback: z.boolean(),
  phase: z.enum(["post", "pre"]).openapi({
    description:
      "`pre`: a gate, called by POST /v1/gates/{type}. A gate call reaches at most 12 pre-hooks: saving or enabling a pre-hook that would share event types with 12 enabled others answers 422",
  }),
  on_error: z.enum(["reject", "approve"]),
  timeout_ms: z.number().int().min(100).max(15000).nullable().openapi({ description: "Pre-hook (gate) timeout; default GATE_TIMEOUT_MS" }),
  enabled: z.boolean(),
  rate_limit_per_second: z.number().positive().max(10000).nullable(),
  payload_format: z.enum(["envelope", "raw"]),
  secret: Secret,
  disable_ssl_verification: z.boolean().openapi({ description: "Accepted for compatibility; true is refused (Workers always verify TLS)" }),
  headers: HookHeaders,
  metadata: StringMap,
};

export const HookCreate = z
  .strictObject({
    name: hookFields.name,
    description: hookFields.description.default(""),
    kind: hookFields.kind.default("webhook"),
    url: hookFields.url.optional(),
    slack: hookFields.slack.optional(),
    events: hookFields.events.default([]),
    applications: hookFields.applications.optional(),
    fallback: hookFields.fallback.default(false),
    phase: hookFields.phase.default("post"),
    on_error: hookFields.on_error.default("reject"),
    timeout_ms: hookFields.timeout_ms.optional(),
    enabled: hookFields.enabled.default(true),
    rate_limit_per_second: hookFields.rate_limit_per_second.optional(),
    payload_format: hookFields.payload_format.default("envelope"),
    secret: hookFields.secret.optional(),
    disable_ssl_verification: hookFields.disable_ssl_verification.optional(),
    headers: hookFields.headers.default({}),
    metadata: hookFields.metadata.default({}),
  })
  .openapi("HookCreate");

export const HookPatch = z
  .strictObject({
    name: hookFields.name.optional(),
    description: hookFields.description.optional(),
    url: hookFields.url.optional(),
    slack: hookFields.slack.optional(),
    events: hookFields.events.optional(),
    applications: hookFields.applications.optional(),
    fallback: hookFields.fallback.optional(),
    phase: hookFields.phase.optional(),
    on_error: hookFields.on_error.optional(),
    timeout_ms: hookFields.timeout_ms.optional(),
    enabled: hookFields.enabled.optional(),
    rate_limit_per_second: hookFields.rate_limit_per_second.optional(),
    payload_format: hookFields.payload_format.optional(),
    secret: hookFields.secret.optional(),
    disable_ssl_verification: hookFields.disable_ssl_verification.optional(),
    headers: hookFields.headers.optional(),
    metadata: hookFields.metadata.optional(),
    state: z
      .enum(["new", "valid", "invalid", "deactivated"])
      .optional()
      .openapi({ description: "Only `deactivated` (retire) and `new` (re-test) may be set" }),
  })
  .openapi("HookPatch");

export const Hook = z
  .object({
    id: z.string().openapi({ example: "hook_01JD3Z5Q3W9X4Y2V8N6M1K0P7R" }),
    name: z.string(),
    description: z.string(),
    kind: z.enum(["webhook", "slack"]),
    url: z.string().nullable(),
    slack: z.object({ channel_id: z.string() }).nullable(),
    events: z.array(z.string()),
    applications: z.array(z.string()).nullable(),
    fallback: z.boolean(),
    phase: z.enum(["post", "pre"]),
    on_error: z.enum(["reject", "approve"]),
    timeout_ms: z.number().nullable(),
    enabled: z.boolean(),
    rate_limit_per_second: z.number().nullable(),
    payload_format: z.enum(["envelope", "raw"]),
    headers: z.record(z.string(), z.string()),
    metadata: z.record(z.string(), z.string()),
    state: z.enum(["new", "valid", "invalid", "deactivated"]),
    disabled_reason: z.string().nullable(),
    // Live state kept by the hook's Durable Object: answered by GET /v1/hooks/{id} (a list would
    // cost one Durable Object call per hook).
    circuit: Circuit.optional(),
    last_test: HookTestResult.nullable().optional().openapi({ description: "The last endpoint test (manual or automatic); on GET /v1/hooks/{id}" }),
    created_by: z.string().nullable(),
    updated_by: z.string().nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Hook");

export const HookWithSecret = Hook.extend({ secret: z.string() }).openapi("HookWithSecret");
export const HookList = listOf(Hook, "HookList");
export const HookIdParam = z.object({ id: z.string().max(64) });

export const HookListQuery = PaginationQuery.extend({
  state: z.enum(["new", "valid", "invalid", "deactivated"]).optional(),
  enabled: BoolQuery.optional(),
  event: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/).optional().openapi({ description: "Hooks subscribed to this event type" }),
  application: z.string().min(1).max(128).optional(),
  kind: z.enum(["webhook", "slack"]).optional(),
  phase: z.enum(["post", "pre"]).optional(),
  created_after: IsoInstant.optional(),
  created_before: IsoInstant.optional(),
});

export const NameAvailableQuery = z.object({ name: z.string().trim().min(1).max(100) });
export const NameAvailable = z.object({ available: z.boolean() }).openapi("NameAvailable");

export const ActiveHooksQuery = z.object({
  event: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "event names match [A-Za-z0-9_.:-]{1,128}"),
  application: z.string().min(1).max(128).optional(),
  phase: z.enum(["post", "pre"]).default("post"),
});
export const ActiveHooks = z.object({ data: z.array(Hook) }).openapi("ActiveHooks");

export const HookSecret = z
  .object({ secret: z.string(), previous_secret: z.string().nullable(), previous_secret_expires_at: Timestamp.nullable() })
  .openapi("HookSecret");
