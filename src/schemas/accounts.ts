import { z } from "@hono/zod-openapi";
import { Timestamp } from "./common";

export const AccountCreate = z.strictObject({ name: z.string().trim().min(1).max(200) }).openapi("AccountCreate");
export const Account = z.object({ id: z.string(), name: z.string(), created_at: Timestamp }).openapi("Account");
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
