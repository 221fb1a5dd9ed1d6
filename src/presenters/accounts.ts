import type { AccountRow, ApiKeyRow, EventTypeRow } from "../db/schema";

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
  created_at: t.createdAt,
  updated_at: t.updatedAt,
});
