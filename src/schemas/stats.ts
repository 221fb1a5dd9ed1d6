import { z } from "@hono/zod-openapi";
import { Timestamp } from "./common";

export const StatsQuery = z.object({
  hours: z.coerce.number().int().min(1).max(168).default(24).openapi({ description: "How many hours, the current one last (1 to 168, default 24)" }),
});

const count = z.number().int();

export const OutcomeCounts = z
  .object({ succeeded: count, failed: count, dead: count, pending: count, skipped: count, total: count })
  .openapi("OutcomeCounts", { description: "Deliveries created in the period, by their status now" });

const SuccessRate = z
  .number()
  .nullable()
  .openapi({ description: "succeeded / (succeeded + failed + dead), 0 to 1; null when none was tried" });

export const HourCounts = OutcomeCounts.extend({ hour: Timestamp.openapi({ description: "The hour's start" }) }).openapi("HourCounts");

const window = {
  since: Timestamp.openapi({ description: "The first hour's start" }),
  until: Timestamp,
  totals: OutcomeCounts,
  success_rate: SuccessRate,
  hours: z.array(HourCounts).openapi({ description: "One entry per hour, oldest first, empty hours included" }),
};

export const HookStats = z.object({ hook_id: z.string(), ...window }).openapi("HookStats");

export const AccountStats = z
  .object({
    ...window,
    hooks: z
      .array(z.object({ hook_id: z.string(), totals: OutcomeCounts, success_rate: SuccessRate }))
      .openapi({ description: "Each hook that had deliveries in the period (deleted hooks included)" }),
  })
  .openapi("AccountStats");
