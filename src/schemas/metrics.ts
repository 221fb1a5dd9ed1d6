import { z } from "@hono/zod-openapi";

export const MetricsReport = z
  .object({
    enabled: z.boolean().openapi({ description: "Whether this deployment counts (the METRICS var is \"true\"); when false every counter stays 0" }),
    counters: z.record(z.string(), z.number().int()).openapi({
      description: "Billed usage this isolate counted since the last reset: D1 round trips, statements, rows read and written; queue messages written, read, acknowledged and retried; Durable Object calls; outbound subrequests; Worker invocations",
      example: { "d1.round_trips": 2, "d1.statements": 3, "queue.messages_written": 1 },
    }),
  })
  .openapi("MetricsReport");
