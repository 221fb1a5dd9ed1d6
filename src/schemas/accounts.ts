import { z } from "@hono/zod-openapi";
import { MAX_LOG_SHARDS } from "../domain/log-ids";
import { Timestamp } from "./common";

const RetentionDays = z.number().int().min(1).max(400).openapi({ description: "Days the delivery log keeps events, deliveries, attempts and gate runs (payloads and answers included); 1 to 400" });
const LogShards = z
  .number()
  .int()
  .min(1)
  .max(MAX_LOG_SHARDS)
  .openapi({ description: "Delivery-log shards new events spread over (each is one Durable Object: ~500 events/s, 10 GB); can only be raised" });

export const AccountCreate = z.strictObject({ name: z.string().trim().min(1).max(200), retention_days: RetentionDays.optional() }).openapi("AccountCreate");
export const AccountUpdate = z.strictObject({ retention_days: RetentionDays.optional(), log_shards: LogShards.optional() }).openapi("AccountUpdate");
export const AccountSettingsUpdate = z.strictObject({ retention_days: RetentionDays.optional() }).openapi("AccountSettingsUpdate");
export const Account = z.object({ id: z.string(), name: z.string(), created_at: Timestamp, retention_days: z.number().int(), log_shards: z.number().int() }).openapi("Account");
export const AccountIdParam = z.object({ id: z.string().max(64) });

export const ApiKeyCreate = z.strictObject({ name: z.string().trim().min(1).max(200) }).openapi("ApiKeyCreate");
export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: "Public part of the key, safe to show and log" }),
    created_at: Timestamp,
    revoked_at: Timestamp.nullable(),
  })
  .openapi("ApiKey");
export const ApiKeyCreated = ApiKey.extend({
  key: z.string().openapi({ description: "The bearer token. Shown only in this answer; stored hashed." }),
}).openapi("ApiKeyCreated");
export const KeyParams = z.object({ id: z.string().max(64), key_id: z.string().max(64) });
