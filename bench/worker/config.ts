import { z } from "zod";
import type { Env } from "../../src/env";

// The bench's own switches, read by its entry point (./index.ts) only: the production Worker's
// configuration (src/env.ts) knows none of them. Set as vars by `npm run bench` (bench/run.ts) and by
// the test projects that use them (vitest.config.ts); off when unset.
const BenchSchema = z.object({
  /** "true": count billed usage (./metrics.ts) for the bench's cost table. */
  METRICS: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  /**
   * Fault injection: the share of delivery batches in which the queue consumer throws after sending
   * and before recording anything (./chaos.ts). 0 turns it off.
   */
  CHAOS_CONSUMER_THROW_RATE: z.coerce.number().min(0).max(1).default(0),
});

export type BenchConfig = z.infer<typeof BenchSchema>;

/** The names of the bench's switches. */
export const BENCH_SWITCHES = Object.keys(BenchSchema.shape) as Array<keyof BenchConfig>;

const cache = new WeakMap<object, BenchConfig>();

export function benchConfig(env: Env): BenchConfig {
  let config = cache.get(env);
  if (!config) {
    config = BenchSchema.parse(Object.fromEntries(BENCH_SWITCHES.filter((k) => env[k] !== undefined && env[k] !== "").map((k) => [k, env[k]])));
    cache.set(env, config);
  }
  return config;
}
