import { z } from "@hono/zod-openapi";
import { MAX_LOG_SHARDS } from "../domain/log-ids";
import { API_SCOPES } from "../domain/api-scopes";
import { ApplicationName, Timestamp } from "./common";
import { ACCENT_COLOR, frameAncestorProblem, logoUrlProblem, MAX_FRAME_ANCESTORS, MAX_PORTAL_TITLE } from "../domain/portal-settings";

const FrameAncestor = z
  .string()
  .max(300)
  .superRefine((v, ctx) => {
    const problem = frameAncestorProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi({ example: "https://app.example.com" });

/** The embeddable portal's settings (src/domain/portal-settings.ts): set as a whole; null restores the defaults. */
export const PortalSettingsInput = z
  .strictObject({
    frame_ancestors: z
      .array(FrameAncestor)
      .max(MAX_FRAME_ANCESTORS)
      .default([])
      .openapi({ description: "Origins allowed to frame /portal (CSP frame-ancestors): https://host[:port], https://*.example.com; http only for localhost and 127.0.0.1. Empty: no site may frame it" }),
    title: z.string().trim().min(1).max(MAX_PORTAL_TITLE).regex(/^[^\u0000-\u001f\u007f]*$/, "no control characters").nullable().default(null),
    accent_color: z.string().regex(ACCENT_COLOR, "a colour is #rgb or #rrggbb").nullable().default(null),
    logo_url: z
      .string()
      .max(2048)
      .superRefine((v, ctx) => {
        const problem = logoUrlProblem(v);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .nullable()
      .default(null),
  })
  .openapi("PortalSettings");
const PortalSettingsOutput = z
  .object({ frame_ancestors: z.array(z.string()), title: z.string().nullable(), accent_color: z.string().nullable(), logo_url: z.string().nullable() })
  .nullable()
  .openapi({ description: "The embeddable portal's settings; null: the defaults (no site may frame the portal)" });

const RetentionDays = z.number().int().min(1).max(400).openapi({ description: "Days the delivery log keeps events, deliveries, attempts and gate runs (payloads and answers included); 1 to 400" });
const LogShards = z
  .number()
  .int()
  .min(1)
  .max(MAX_LOG_SHARDS)
  .openapi({ description: "Delivery-log shards new events spread over (each is one Durable Object: ~500 events/s, 10 GB); can only be raised" });

export const AccountCreate = z.strictObject({ name: z.string().trim().min(1).max(200), retention_days: RetentionDays.optional() }).openapi("AccountCreate");
export const AccountUpdate = z.strictObject({ retention_days: RetentionDays.optional(), log_shards: LogShards.optional() }).openapi("AccountUpdate");
const AllowUnsigned = z.boolean().openapi({
  description:
    "Whether the account's hooks may deliver unsigned (`signed: false`; MLflow's hooks without a secret). Default false: a hook without a secret gets a generated one. Setting it back to false signs every hook of the account again",
});

export const AccountSettingsUpdate = z
  .strictObject({
    retention_days: RetentionDays.optional(),
    portal: PortalSettingsInput.nullable().optional().openapi({ description: "The embeddable portal's settings, replaced as a whole; null restores the locked-down defaults" }),
    allow_unsigned_deliveries: AllowUnsigned.optional(),
  })
  .openapi("AccountSettingsUpdate");
export const Account = z
  .object({
    id: z.string(),
    name: z.string(),
    created_at: Timestamp,
    retention_days: z.number().int(),
    log_shards: z.number().int(),
    portal: PortalSettingsOutput,
    allow_unsigned_deliveries: AllowUnsigned,
  })
  .openapi("Account");
export const AccountIdParam = z.object({ id: z.string().max(64) });

/** A scope an API key may hold (src/domain/api-scopes.ts: the one list). */
export const ApiScopeName = z.enum(API_SCOPES).openapi("ApiScope", { description: "What a key may call: every route requires one (docs/api.md lists them)" });

export const ApiKeyCreate = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    scopes: z
      .array(ApiScopeName)
      .min(1)
      .max(API_SCOPES.length * 2)
      .optional()
      .openapi({
        description:
          "The scopes the key holds; left out: every scope for the admin, the minting key's own for POST /v1/keys. A route the key holds no scope for answers 403 insufficient_scope",
      }),
    applications: z
      .array(ApplicationName)
      .min(1)
      .max(100)
      .optional()
      .openapi({
        description:
          "Bind the key to these applications: an event it publishes without applications is labelled with them, and one naming another answers 403. Left out: unbound for the admin, the minting key's own for POST /v1/keys",
      }),
  })
  .openapi("ApiKeyCreate");
export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: "Public part of the key, safe to show and log" }),
    scopes: z.array(ApiScopeName).nullable().openapi({ description: "The scopes the key holds; null: every scope (full access)" }),
    applications: z.array(z.string()).nullable().openapi({ description: "The applications the key publishes for; null: not bound" }),
    created_at: Timestamp,
    revoked_at: Timestamp.nullable(),
  })
  .openapi("ApiKey");
/** A key of the caller's account, by id (DELETE /v1/keys/{id}): the same shape as an account's id. */
export const OwnKeyParam = AccountIdParam;
export const ApiKeyCreated = ApiKey.extend({
  key: z.string().openapi({ description: "The bearer token. Shown only in this answer; stored hashed." }),
}).openapi("ApiKeyCreated");
export const KeyParams = z.object({ id: z.string().max(64), key_id: z.string().max(64) });

const Coverage = {
  hooks: z.number().int().openapi({ description: "Enabled, not retired post-hooks" }),
  valid_hooks: z.number().int().openapi({ description: "Of those, the ones whose last endpoint test succeeded (state valid)" }),
  valid: z.boolean(),
};

export const ConfigurationHealth = z
  .object({
    ok: z.boolean().openapi({ description: "Every application, and the organisation default, has a valid hook" }),
    default: z
      .object(Coverage)
      .openapi({ description: "The organisation default: the hooks without applications (site-level and fallback), which take the events of an application without a hook of its own" }),
    applications: z
      .array(
        z.object({
          application: z.string(),
          ...Coverage,
          valid: z.boolean().openapi({ description: "It has a valid hook of its own, or none of its own and a valid default" }),
        }),
      )
      .openapi({ description: "Every application the account's hooks name (a portal session: its own applications)" }),
    problems: z.array(z.string()).openapi({ description: "What is wrong, one sentence each" }),
  })
  .openapi("ConfigurationHealth");
