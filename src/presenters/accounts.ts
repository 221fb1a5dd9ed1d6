import type { AccountRow, ApiKeyRow, EventTypeRow } from "../db/schema";
import type { BuiltInEventType } from "../domain/operational-events";

export const presentAccount = (a: AccountRow) => ({
  id: a.id,
  name: a.name,
  created_at: a.createdAt,
  retention_days: a.retentionDays,
  log_shards: a.logShards,
  portal: a.portalSettings ?? null,
  allow_unsigned_deliveries: a.allowUnsignedDeliveries,
});

export const presentApiKey = (k: ApiKeyRow) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  applications: k.applications,
  created_at: k.createdAt,
  revoked_at: k.revokedAt,
});

export const presentEventType = (t: EventTypeRow) => ({
  name: t.name,
  description: t.description,
  application_level: t.applicationLevel,
  applications_path: t.applicationsPath,
  built_in: false,
  payload_schema: null,
  created_at: t.createdAt,
  updated_at: t.updatedAt,
});

/** hookrouter's own operational event types (src/domain/operational-events.ts), as catalog entries. */
export const presentBuiltInEventType = (t: BuiltInEventType) => ({
  name: t.name,
  description: t.description,
  application_level: true,
  applications_path: null,
  built_in: true,
  payload_schema: t.payload_schema,
  created_at: null,
  updated_at: null,
});
