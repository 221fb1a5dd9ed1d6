import { z } from "@hono/zod-openapi";

export const ReencryptRequest = z
  .strictObject({
    limit: z.number().int().min(1).max(200).default(100).openapi({ description: "Rows re-sealed by this call (1..200, default 100)" }),
    cursor: z
      .string()
      .max(80)
      .regex(/^(hooks|slack_connections):[A-Za-z0-9_]*$/, "not a cursor this endpoint returned")
      .optional()
      .openapi({ description: "The next_cursor of the previous call; absent to start" }),
  })
  .openapi("ReencryptRequest");

const SealedTable = z.enum(["hooks", "slack_connections"]);

export const ReencryptReport = z
  .object({
    current_key_id: z.string().openapi({ example: "3f9a0c1d" }),
    scanned: z.number().int(),
    resealed: z.number().int().openapi({ description: "Rows whose values were sealed again under the current key, bound to their row and column" }),
    unbound_found: z
      .number()
      .int()
      .openapi({ description: "Values of the rows re-sealed here that were sealed the old way (key id only as additional data, `v1.`): they opened in any row; now they open only in theirs" }),
    changed_meanwhile: z.number().int(),
    unreadable: z.array(z.object({ table: SealedTable, id: z.string(), error: z.string() })),
    next_cursor: z.string().nullable(),
  })
  .openapi("ReencryptReport");

export const EncryptionKeyUsage = z
  .object({
    current_key_id: z.string(),
    keys: z.array(
      z.object({
        id: z.string(),
        current: z.boolean(),
        configured: z.boolean().openapi({ description: "In ENCRYPTION_KEY or ENCRYPTION_KEYS_PREVIOUS" }),
        sealed_values: z.number().int().openapi({ description: "Hook secrets, previous secrets and Slack tokens sealed with it" }),
      }),
    ),
  })
  .openapi("EncryptionKeyUsage");
