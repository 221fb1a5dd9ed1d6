import { sql } from "drizzle-orm";
import type { ApiScope } from "../domain/api-scopes";
import type { FinalStatuses } from "../domain/delivery-policy";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { Filter } from "../domain/filter";
import type { PortalSettings } from "../domain/portal-settings";
import type { Transform } from "../domain/transform";

// Timestamps are ISO-8601 UTC strings: they sort lexically, compare in SQL, and are what the API returns.
// JSON columns hold small arrays/maps that are always read whole with their row.

export const accounts = sqliteTable("accounts", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: text("created_at").notNull(),
  // The account's delivery log (src/durable/delivery-log.ts): how many shards new records spread
  // over (only ever raised), and how many days they are kept.
  logShards: integer("log_shards").notNull().default(1),
  retentionDays: integer("retention_days").notNull().default(30),
  // Bumped by triggers on every change fan-out reads (migrations/0005_delivery_log.sql).
  fanoutVersion: integer("fanout_version").notNull().default(0),
  // The embeddable portal's settings (src/domain/portal-settings.ts); null: the defaults, locked down.
  portalSettings: text("portal_settings", { mode: "json" }).$type<PortalSettings | null>(),
  // MLflow's optional secret: hooks of this account may deliver unsigned (`signed: false`).
  allowUnsignedDeliveries: integer("allow_unsigned_deliveries", { mode: "boolean" }).notNull().default(false),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    name: text("name").notNull(),
    // Public, unique look-up handle (the first characters of the key); the key itself is only hashed.
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    createdAt: text("created_at").notNull(),
    revokedAt: text("revoked_at"),
    // What the key may do (src/domain/api-scopes.ts); null: every scope, no application binding.
    scopes: text("scopes", { mode: "json" }).$type<ApiScope[] | null>(),
    applications: text("applications", { mode: "json" }).$type<string[] | null>(),
  },
  (t) => [uniqueIndex("api_keys_prefix").on(t.prefix), index("api_keys_account").on(t.accountId)],
);

export const eventTypes = sqliteTable(
  "event_types",
  {
    accountId: text("account_id").notNull().references(() => accounts.id),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    applicationLevel: integer("application_level", { mode: "boolean" }).notNull().default(true),
    // A dotted path into an event's payload naming its applications, read when the producer passes none.
    applicationsPath: text("applications_path"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.name] })],
);

export const hooks = sqliteTable(
  "hooks",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    kind: text("kind", { enum: ["webhook", "slack"] }).notNull(),
    url: text("url"),
    slackChannelId: text("slack_channel_id"),
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    applications: text("applications", { mode: "json" }).$type<string[] | null>(),
    fallback: integer("fallback", { mode: "boolean" }).notNull().default(false),
    phase: text("phase", { enum: ["post", "pre"] }).notNull().default("post"),
    onError: text("on_error", { enum: ["reject", "approve"] }).notNull().default("reject"),
    timeoutMs: integer("timeout_ms"),
    // The hook's delivery policy (src/domain/delivery-policy.ts); null: the deployment's.
    retrySchedule: text("retry_schedule", { mode: "json" }).$type<number[] | null>(),
    deliveryTimeoutMs: integer("delivery_timeout_ms"),
    finalStatuses: text("final_statuses", { mode: "json" }).$type<FinalStatuses>(),
    // Ordered delivery (src/delivery/fifo.ts): `fifo` sends one delivery at a time, in publish order.
    ordering: text("ordering", { enum: ["none", "fifo"] }).notNull().default("none"),
    orderingOnDead: text("ordering_on_dead", { enum: ["block", "skip"] }).notNull().default("skip"),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    rateLimitPerSecond: real("rate_limit_per_second"),
    payloadFormat: text("payload_format", { enum: ["envelope", "raw"] }).notNull().default("envelope"),
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    // A content filter (src/domain/filter.ts), read by fan-out; null: no filter.
    filter: text("filter", { mode: "json" }).$type<Filter | null>(),
    // A payload transformation (src/domain/transform.ts), applied when a delivery is sent; null: none.
    transform: text("transform", { mode: "json" }).$type<Transform | null>(),
    // `v1`: HMAC-SHA256 (a `whsec_` or raw base64 secret); `v1a`: ed25519 (a `whsk_` key, public key below).
    signingScheme: text("signing_scheme", { enum: ["v1", "v1a"] }).notNull().default("v1"),
    publicKey: text("public_key"),
    // Secrets are stored sealed (AES-GCM, see src/crypto/secret-box.ts), never in plain text.
    secretSealed: text("secret_sealed").notNull(),
    // False: deliveries carry no webhook-signature (only while the account allows unsigned deliveries).
    signed: integer("signed", { mode: "boolean" }).notNull().default(true),
    previousSecretSealed: text("previous_secret_sealed"),
    previousSecretExpiresAt: text("previous_secret_expires_at"),
    state: text("state", { enum: ["new", "valid", "invalid", "deactivated"] }).notNull().default("new"),
    disabledReason: text("disabled_reason"),
    failingSince: text("failing_since"),
    // The API key that acted, and the user it acted for when it said so (the Acting-User-Id header).
    createdBy: text("created_by"),
    updatedBy: text("updated_by"),
    createdByUserId: text("created_by_user_id"),
    updatedByUserId: text("updated_by_user_id"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("hooks_account_name").on(t.accountId, t.name), index("hooks_account_id").on(t.accountId, t.id)],
);

export const slackConnections = sqliteTable("slack_connections", {
  accountId: text("account_id").primaryKey(),
  teamId: text("team_id").notNull(),
  teamName: text("team_name").notNull(),
  botUserId: text("bot_user_id"),
  tokenSealed: text("token_sealed").notNull(),
  status: text("status", { enum: ["connected", "broken"] }).notNull().default("connected"),
  error: text("error"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

// Single-use OAuth `state` nonces: a replayed state finds its nonce already used.
export const slackOauthStates = sqliteTable("slack_oauth_states", {
  nonce: text("nonce").primaryKey(),
  accountId: text("account_id").notNull(),
  expiresAt: text("expires_at").notNull(),
  usedAt: text("used_at"),
});

export type AccountRow = typeof accounts.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type EventTypeRow = typeof eventTypes.$inferSelect;
export type HookRow = typeof hooks.$inferSelect;
export type NewHookRow = typeof hooks.$inferInsert;
export type SlackConnectionRow = typeof slackConnections.$inferSelect;
