import { z } from "@hono/zod-openapi";
import { IsoInstant, Timestamp } from "./common";

const DEFAULT_GRACE_SECONDS = 86_400;

export const SecretRotate = z
  .strictObject({
    grace_seconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(DEFAULT_GRACE_SECONDS)
      .openapi({ description: "How long deliveries also carry the previous secret's signature (default 24 h, at most 7 days; 0 drops it now)" }),
  })
  .openapi("SecretRotate");

export const HookRecover = z
  .strictObject({ since: IsoInstant.openapi({ description: "Re-enqueue the hook's failed and dead deliveries created since then" }) })
  .openapi("HookRecover");

export const HookRecovered = z
  .object({
    requeued: z.number().int().openapi({ description: "How many deliveries were queued again (at most 1,000 per call)" }),
    next_since: Timestamp.nullable().openapi({ description: "When more remain: call again with this `since`" }),
  })
  .openapi("HookRecovered");
