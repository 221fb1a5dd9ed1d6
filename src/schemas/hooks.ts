import { z } from "@hono/zod-openapi";
import { EVENT_PATTERN } from "../domain/matching";
import { isValidSecret } from "../domain/hook-secret";
import { signingKeyBytes } from "../crypto/ed25519";
import { COMPARISONS, MAX_FILTER_BYTES, MAX_FILTER_DEPTH, MAX_FILTER_NODES, validateFilter, type Filter } from "../domain/filter";
import { MAX_TEMPLATE_BYTES, MAX_TRANSFORM_OUTPUT_BYTES, TEMPLATE_FILTERS, validateTransform, type Transform } from "../domain/transform";
import { HEADER_NAME, isReservedHeader } from "../domain/hook-headers";
import { CLIENT_ERRORS, MAX_RETRY_STEP_SECONDS, MAX_RETRY_STEPS, MIN_DELIVERY_TIMEOUT_MS } from "../domain/delivery-policy";
import { ACTING_USER_ID, ApplicationName, BoolQuery, IsoInstant, PaginationQuery, StringMap, Timestamp, eventPair, listOf } from "./common";
import { Circuit, HookTestResult } from "./hook-test";

/** A subscription: an event name or pattern, or MLflow's `{entity, action}` (mapped to `entity.action`). */
const EventPattern = z
  .union([
    z.string().regex(EVENT_PATTERN, "event names and patterns match [A-Za-z0-9_.:*-]{1,128}").openapi({ example: "job_run.*" }),
    eventPair(true),
  ], { error: "an event name or pattern ([A-Za-z0-9_.:*-]{1,128}), or an {entity, action} pair" })
  .openapi({ description: "An event name or pattern (`job_run.*`, `*`), or an MLflow `{entity, action}` pair, stored as `entity.action` in lower case" });

/** Who a producer acts for (Vydon's created_by_user_id / updated_by_user_id): recorded next to the API key. */
export const ActingUserHeaders = z.object({
  "acting-user-id": z
    .string()
    .regex(ACTING_USER_ID, "an acting user id is 1 to 128 printable ASCII characters without spaces")
    .optional()
    .openapi({
      description: "The user this API call is made for: recorded as the hook's created_by_user_id / updated_by_user_id (the API key is recorded too, as created_by / updated_by)",
      example: "user_2f9c",
    }),
});

const Status = z.enum(["ACTIVE", "DISABLED"]).openapi({ description: "MLflow's status: ACTIVE is `enabled: true`, DISABLED `enabled: false` (giving both, they must agree)" });

const HookHeaders = z
  .record(
    z.string().regex(HEADER_NAME, "not a valid header name").refine((n) => !isReservedHeader(n), "this header is set by hookrouter and cannot be overridden"),
    z.string().max(1024).regex(/^[^\r\n\0]*$/, "header values cannot contain CR, LF or NUL"),
  )
  .refine((m) => Object.keys(m).length <= 20, "at most 20 headers")
  .openapi({ description: "Extra request headers sent with every delivery (never webhook-*, content-type or user-agent)" });

const Secret = z
  .string()
  .max(200)
  .refine(
    (s) => isValidSecret(s) || signingKeyBytes(s) !== null,
    "a secret is whsec_ + base64 (or the base64 alone) of 24 to 64 bytes, or for signing_scheme v1a a whsk_ ed25519 key (base64 of seed and public key, 64 bytes)",
  )
  .openapi({
    example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    description:
      "Imported as it is, so a receiver keeps the secret it has: `v1` takes `whsec_` + base64 or a raw base64 secret of 24 to 64 bytes; `v1a` takes a `whsk_` key. Generated when absent.",
  });

/** A content filter: validated by src/domain/filter.ts, each problem reported at its place in the filter. */
export const HookFilter = z
  .custom<Filter>(() => true)
  .superRefine((value, ctx) => {
    for (const issue of validateFilter(value)) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
  })
  .openapi("HookFilter", {
    type: "object",
    description:
      `Only events whose content passes are delivered. A comparison {"path": "data.severity", "<op>": value} with one op of ${COMPARISONS.join(", ")}, ` +
      `or {"and": [...]}, {"or": [...]}, {"not": {...}}. Paths start at the envelope (type, data…, applications, work_id). ` +
      `At most ${MAX_FILTER_NODES} nodes, ${MAX_FILTER_DEPTH} deep, ${MAX_FILTER_BYTES} bytes. See docs/filters.md.`,
    example: { and: [{ path: "data.severity", eq: 1 }, { path: "data.env", in: ["prod", "staging"] }] },
  });

/** A payload transformation: validated by src/domain/transform.ts. */
export const HookTransform = z
  .custom<Transform>(() => true)
  .superRefine((value, ctx) => {
    for (const issue of validateTransform(value)) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
  })
  .openapi("HookTransform", {
    type: "object",
    required: ["body"],
    properties: { body: { description: "The body template: any JSON; strings may hold {{ path | filter: arg }} expressions" } },
    description:
      `Reshapes the body a webhook receiver gets (the signature covers the reshaped body). {"body": <template>}: any JSON, where a string that is one ` +
      `{{ path | filter }} expression takes that value and other strings interpolate text. Filters: ${TEMPLATE_FILTERS.join(", ")}. ` +
      `Template at most ${MAX_TEMPLATE_BYTES} bytes, output at most ${MAX_TRANSFORM_OUTPUT_BYTES}. See docs/transforms.md.`,
    example: { body: { entity: '{{ type | before_last: "." }}', action: '{{ type | after_last: "." }}', data: "{{ data }}" } },
  });

const SigningScheme = z.enum(["v1", "v1a"]).openapi({
  description: "`v1`: HMAC-SHA256 with a shared secret (default); `v1a`: ed25519, receivers verify with the hook's `public_key` (Standard Webhooks asymmetric)",
});

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
  retry_schedule: z
    .array(z.number().int().min(0).max(MAX_RETRY_STEP_SECONDS))
    .max(MAX_RETRY_STEPS)
    .nullable()
    .openapi({
      description:
        "Seconds to wait before each retry (at most 20 steps of at most 43200 s; [] means one attempt, no retry). Null: the deployment's RETRY_SCHEDULE. Each wait is jittered by ±20 %",
      example: [10, 60, 600],
    }),
  delivery_timeout_ms: z
    .number()
    .int()
    .min(MIN_DELIVERY_TIMEOUT_MS)
    .nullable()
    .openapi({ description: "How long a delivery waits for the receiver's answer; at most the deployment's DELIVERY_TIMEOUT_MS, which null stands for" }),
  final_statuses: z
    .union([z.literal(CLIENT_ERRORS), z.array(z.number().int().min(300).max(599)).max(100)])
    .nullable()
    .openapi({
      description:
        'Answers that end a delivery\'s retries (it is `dead` after that attempt): a list of statuses, or "client_errors" for every 4xx but 408, 409, 425 and 429. Null: every failure is retried. A manual retry is one attempt whatever the answer',
      example: CLIENT_ERRORS,
    }),
  ordering: z.enum(["none", "fifo"]).openapi({
    description:
      "`fifo`: the receiver gets this hook's deliveries one at a time, in publish order; the next is sent once the one before succeeded, or ended dead (see ordering_on_dead) or skipped. `none`: deliveries go out in parallel (docs/delivery.md, \"Ordered delivery\")",
  }),
  ordering_on_dead: z.enum(["block", "skip"]).openapi({
    description:
      "For a `fifo` hook: `skip` passes a dead delivery over and sends the next; `block` holds the line behind it until a manual retry (POST /v1/deliveries/{id}/retry) succeeds",
  }),
  enabled: z.boolean(),
  status: Status,
  signed: z.boolean().openapi({
    description:
      "false: deliveries carry no webhook-signature, only if the account allows unsigned deliveries (PATCH /v1/account). Left out on create: signed, unless the account allows unsigned deliveries and no secret is given",
  }),
  rate_limit_per_second: z.number().positive().max(10000).nullable(),
  payload_format: z.enum(["envelope", "raw"]),
  secret: Secret,
  disable_ssl_verification: z.boolean().openapi({ description: "Accepted for compatibility; true is refused (Workers always verify TLS)" }),
  headers: HookHeaders,
  metadata: StringMap,
  filter: HookFilter.nullable(),
  transform: HookTransform.nullable(),
  signing_scheme: SigningScheme,
};

export const HookLine = z
  .object({
    waiting: z.number().int().openapi({ description: "Deliveries in the line, the one being sent included" }),
    head: z.string().nullable().openapi({ description: "The delivery whose turn it is (the only one that may be sent); null: the line is empty" }),
    blocked: z.boolean().openapi({ description: "The head ended dead and ordering_on_dead is `block`: a manual retry of it that succeeds lets the line move on" }),
  })
  .openapi("HookLine");

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
    retry_schedule: hookFields.retry_schedule.optional(),
    delivery_timeout_ms: hookFields.delivery_timeout_ms.optional(),
    final_statuses: hookFields.final_statuses.optional(),
    ordering: hookFields.ordering.default("none"),
    ordering_on_dead: hookFields.ordering_on_dead.default("skip"),
    enabled: hookFields.enabled.optional().openapi({ description: "Default true (or as `status` says)" }),
    status: hookFields.status.optional(),
    rate_limit_per_second: hookFields.rate_limit_per_second.optional(),
    payload_format: hookFields.payload_format.default("envelope"),
    secret: hookFields.secret.optional(),
    signed: hookFields.signed.optional(),
    disable_ssl_verification: hookFields.disable_ssl_verification.optional(),
    headers: hookFields.headers.default({}),
    metadata: hookFields.metadata.default({}),
    filter: hookFields.filter.optional(),
    transform: hookFields.transform.optional(),
    signing_scheme: hookFields.signing_scheme.default("v1"),
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
    retry_schedule: hookFields.retry_schedule.optional(),
    delivery_timeout_ms: hookFields.delivery_timeout_ms.optional(),
    final_statuses: hookFields.final_statuses.optional(),
    ordering: hookFields.ordering.optional(),
    ordering_on_dead: hookFields.ordering_on_dead.optional(),
    enabled: hookFields.enabled.optional(),
    status: hookFields.status.optional(),
    rate_limit_per_second: hookFields.rate_limit_per_second.optional(),
    payload_format: hookFields.payload_format.optional(),
    secret: hookFields.secret.optional(),
    signed: hookFields.signed.optional(),
    disable_ssl_verification: hookFields.disable_ssl_verification.optional(),
    headers: hookFields.headers.optional(),
    metadata: hookFields.metadata.optional(),
    filter: hookFields.filter.optional().openapi({ description: "null removes the filter" }),
    transform: hookFields.transform.optional().openapi({ description: "null removes the transformation" }),
    signing_scheme: hookFields.signing_scheme
      .optional()
      .openapi({ description: "Changing it gives the hook a new key of that scheme (or `secret`, when given) and sets state new" }),
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
    retry_schedule: z.array(z.number()).nullable().openapi({ description: "The hook's retry schedule in seconds; null: the deployment's" }),
    delivery_timeout_ms: z.number().nullable().openapi({ description: "The hook's delivery timeout; null: the deployment's DELIVERY_TIMEOUT_MS" }),
    final_statuses: z.union([z.literal(CLIENT_ERRORS), z.array(z.number())]).nullable().openapi({ description: 'Answers that end the retries: statuses, or "client_errors"; null: none' }),
    ordering: hookFields.ordering,
    ordering_on_dead: hookFields.ordering_on_dead,
    enabled: z.boolean(),
    status: z.enum(["ACTIVE", "DISABLED"]).openapi({ description: "MLflow's name for `enabled`" }),
    signed: z.boolean().openapi({ description: "false: deliveries carry no webhook-signature (the account allows unsigned deliveries)" }),
    rate_limit_per_second: z.number().nullable(),
    payload_format: z.enum(["envelope", "raw"]),
    headers: z.record(z.string(), z.string()),
    metadata: z.record(z.string(), z.string()),
    filter: HookFilter.nullable(),
    transform: HookTransform.nullable(),
    signing_scheme: z.enum(["v1", "v1a"]),
    public_key: z.string().nullable().openapi({ description: "`v1a`: the `whpk_` public key receivers verify with; null for `v1`", example: "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=" }),
    state: z.enum(["new", "valid", "invalid", "deactivated"]),
    disabled_reason: z.string().nullable(),
    // Live state kept by the hook's Durable Object: answered by GET /v1/hooks/{id} (a list would
    // cost one Durable Object call per hook).
    circuit: Circuit.optional(),
    last_test: HookTestResult.nullable().optional().openapi({ description: "The last endpoint test (manual or automatic); on GET /v1/hooks/{id}" }),
    line: HookLine.optional().openapi({ description: "A hook that has had ordered (`fifo`) deliveries: its line now; on GET /v1/hooks/{id}" }),
    created_by: z.string().nullable().openapi({ description: "The API key that created the hook" }),
    updated_by: z.string().nullable().openapi({ description: "The API key that last changed the hook" }),
    created_by_user_id: z.string().nullable().openapi({ description: "The user the creating call was made for (its Acting-User-Id header), or null" }),
    updated_by_user_id: z.string().nullable().openapi({ description: "The user the last change was made for (its Acting-User-Id header), or null" }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Hook");

export const HookWithSecret = Hook.extend({
  secret: z.string().nullable().openapi({ description: "`v1`: the signing secret, shown here and by GET /v1/hooks/{id}/secret; `v1a`: null (the private key is never shown: see public_key)" }),
}).openapi("HookWithSecret");
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
  event: z
    .string()
    .regex(/^(\*|[A-Za-z0-9_.:-]{1,128})$/, "event names match [A-Za-z0-9_.:-]{1,128}; * asks for the hooks subscribed to every event")
    .openapi({ description: "An event type; `*` answers only the hooks subscribed to every event (Vydon's ACCOUNT_HOOK_EVENT_UNSPECIFIED)" }),
  application: z.string().min(1).max(128).optional(),
  phase: z.enum(["post", "pre"]).default("post"),
  data: z
    .string()
    .max(8192)
    .optional()
    .openapi({
      description:
        "A sample payload (JSON object, at most 8 KiB) for content filters. Without it filters are not evaluated: a hook with a filter is listed when its other rules match",
    }),
});
export const ActiveHooks = z.object({ data: z.array(Hook) }).openapi("ActiveHooks");

export const HookSecret = z
  .object({
    signing_scheme: z.enum(["v1", "v1a"]),
    secret: z.string().nullable().openapi({ description: "`v1`: the secret; `v1a`: null (the private key is never shown)" }),
    previous_secret: z.string().nullable(),
    public_key: z.string().nullable().openapi({ description: "`v1a`: the `whpk_` public key" }),
    previous_public_key: z.string().nullable().openapi({ description: "`v1a`, during a rotation's grace period: the previous key's public key, which still signs" }),
    previous_secret_expires_at: Timestamp.nullable(),
  })
  .openapi("HookSecret");

export const FilterTestRequest = z
  .strictObject({
    filter: HookFilter,
    type: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/).default("hookrouter.test").openapi({ description: "The event type (the filter's `type`)" }),
    payload: z.record(z.string(), z.unknown()).openapi({ description: "A sample payload (the filter's `data`)", example: { severity: 1 } }),
    applications: z.array(z.string().min(1).max(128)).max(100).optional(),
    work_id: z.string().max(128).nullable().optional(),
  })
  .openapi("FilterTestRequest");
export const FilterTestResult = z.object({ matches: z.boolean() }).openapi("FilterTestResult");

export const TransformTestRequest = z
  .strictObject({
    transform: HookTransform,
    type: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/).default("hookrouter.test"),
    payload: z.record(z.string(), z.unknown()).openapi({ example: { run_id: 42, error: "out of memory" } }),
    applications: z.array(z.string().min(1).max(128)).max(100).optional(),
    work_id: z.string().max(128).nullable().optional(),
  })
  .openapi("TransformTestRequest");
export const TransformTestResult = z
  .object({
    ok: z.boolean(),
    body: z.string().nullable().openapi({ description: "The body a receiver would get (exactly the signed bytes), when ok" }),
    error: z.string().nullable().openapi({ description: "Why the transformation failed (a delivery would end with a transform_failed attempt)" }),
  })
  .openapi("TransformTestResult");
