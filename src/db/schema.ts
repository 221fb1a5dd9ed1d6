import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Timestamps are ISO-8601 UTC strings: they sort lexically, compare in SQL, and are what the API returns.
// JSON columns hold small arrays/maps that are always read whole with their row.

export const accounts = sqliteTable("accounts", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: text("created_at").notNull(),
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
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    rateLimitPerSecond: real("rate_limit_per_second"),
    payloadFormat: text("payload_format", { enum: ["envelope", "raw"] }).notNull().default("envelope"),
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    // Secrets are stored sealed (AES-GCM, see src/crypto/secret-box.ts), never in plain text.
    secretSealed: text("secret_sealed").notNull(),
    previousSecretSealed: text("previous_secret_sealed"),
    previousSecretExpiresAt: text("previous_secret_expires_at"),
    state: text("state", { enum: ["new", "valid", "invalid", "deactivated"] }).notNull().default("new"),
    disabledReason: text("disabled_reason"),
    failingSince: text("failing_since"),
    createdBy: text("created_by"),
    updatedBy: text("updated_by"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("hooks_account_name").on(t.accountId, t.name), index("hooks_account_id").on(t.accountId, t.id)],
);

// Rows written are what D1 bills most for (every index entry written counts as a row), so each table
// of the delivery path has only the indexes its queries need; migrations/0004_fewer_rows_written.sql
// says what each one costs. Events and deliveries are looked up by (account, id): the account's
// listing is the primary key's order.
export const events = sqliteTable(
  "events",
  {
    id: text("id").notNull(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    type: text("type").notNull(),
    payload: text("payload").notNull(),
    applications: text("applications", { mode: "json" }).$type<string[] | null>(),
    workId: text("work_id"),
    idempotencyKey: text("idempotency_key"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    // A rowid table (payloads of up to 256 KiB are no rows for a WITHOUT ROWID b-tree): the key is
    // (account, id), so its index is also the account's listing; an event is always read with its account.
    primaryKey({ columns: [t.accountId, t.id] }),
    index("events_account_type").on(t.accountId, t.type, t.id),
    // Partial: most events have no work id, and write no entry here.
    index("events_account_work").on(t.accountId, t.workId, t.id).where(sql`${t.workId} is not null`),
  ],
);

// One row per (account, idempotency key) while it is live (24 h); replaced when it has expired.
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    accountId: text("account_id").notNull(),
    key: text("key").notNull(),
    eventId: text("event_id").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.key] })],
);

export const deliveries = sqliteTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    eventId: text("event_id").notNull(),
    // No foreign key: a delivery outlives a deleted hook and then ends `skipped`.
    hookId: text("hook_id").notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed", "dead", "skipped"] }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastAttemptAt: text("last_attempt_at"),
    nextAttemptAt: text("next_attempt_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    // Which queue message may act on this delivery (src/delivery/sweeper.ts): null means the one sent
    // when it was created, so ingest writes nothing more. A sweep or a manual reopen sets a new ULID
    // (its time says when that message was sent); the consumer drops a message carrying another.
    // Last column: the INSERT ... SELECT in src/db/events.ts lists the columns in table order.
    messageToken: text("message_token"),
  },
  // WITHOUT ROWID in the migration (drizzle cannot say it): the rows are small, and the id key is the
  // table itself instead of an index beside it. The consumer and the sweep look deliveries up by id.
  (t) => [
    index("deliveries_account_id").on(t.accountId, t.id),
    // The account is in the event and hook indexes so that a query naming both picks them (with no
    // statistics SQLite cannot tell an event's few deliveries from the account's many).
    index("deliveries_event").on(t.eventId, t.accountId),
    index("deliveries_hook").on(t.hookId, t.accountId, t.id),
    // The delivery stats of the account and of one hook, and a hook's recover (src/db/stats.ts,
    // findRecoverable), all read from this index alone. It is the only index holding `status`, so a
    // status change rewrites one index entry.
    index("deliveries_account_hour_hook").on(t.accountId, sql`substr(${t.createdAt}, 1, 13)`, t.hookId, t.status, t.createdAt),
  ],
);

// WITHOUT ROWID in the migration: one row written per attempt, no index beside it. `n` is numbered
// by the insert itself (src/db/deliveries.ts), so two consumers attempting one delivery at once
// still record 1, 2, 3….
export const attempts = sqliteTable(
  "attempts",
  {
    deliveryId: text("delivery_id").notNull(),
    n: integer("n").notNull(),
    at: text("at").notNull(),
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.n] })],
);

// A run of the pre-hooks for one action; its decisions are stored with it (read back whole).
export const gateRuns = sqliteTable(
  "gate_runs",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    workId: text("work_id").notNull(),
    type: text("type").notNull(),
    approved: integer("approved", { mode: "boolean" }).notNull(),
    authId: text("auth_id"),
    payload: text("payload").notNull(),
    applications: text("applications", { mode: "json" }).$type<string[] | null>(),
    decisions: text("decisions", { mode: "json" }).$type<unknown[]>().notNull(),
    context: text("context", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    durationMs: integer("duration_ms").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("gate_runs_account_work").on(t.accountId, t.workId)],
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
export type EventRow = typeof events.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;
export type GateRunRow = typeof gateRuns.$inferSelect;
export type SlackConnectionRow = typeof slackConnections.$inferSelect;
