import { buildApp } from "../../src/app";
import { queue } from "../../src/delivery/consumer";
import type { DeliveryMessage, Env } from "../../src/env";
import { injectConsumerFault } from "./chaos";
import { benchConfig } from "./config";
import { inScope, meteredBatch, meteredEnv } from "./instrument";
import { count, type Scope } from "./metrics";
import { metricsRouter } from "./routes";

export { DeliveryLog, HookState, ReplayJob, Tunnel } from "../../src/index";

// The bench's entry point: the production Worker (src/app.ts's app, src/delivery/consumer.ts's
// queue handler, the same Durable Objects) wrapped with what only the bench and its tests switch on
// (./config.ts): METRICS meters the bindings and counts invocations (./instrument.ts) and adds the
// admin-only metrics routes (./routes.ts); CHAOS_CONSUMER_THROW_RATE has the queue consumer throw for
// that share of its batches (./chaos.ts), the first attempts a publishing Worker makes included.
// With neither set it serves exactly what production serves, plus GET/DELETE /v1/admin/metrics.
// `npm run bench` bundles this file (bench/lib/router.ts); so does the chaos-consumer test project.

const app = buildApp();
app.route("/", metricsRouter);

const wrapped: Record<Scope, WeakMap<object, Env>> = { api: new WeakMap(), consumer: new WeakMap() };

/**
 * The env the production handlers get: metered with METRICS, carrying the consumer's fault with a
 * throw rate; the env itself with neither. One object per env and scope (the configuration and the
 * database client are cached per env object).
 */
function benchEnv(env: Env, scope: Scope): Env {
  const { METRICS, CHAOS_CONSUMER_THROW_RATE: rate } = benchConfig(env);
  if (!METRICS && rate === 0) return env;
  let e = wrapped[scope].get(env);
  if (!e) {
    e = METRICS ? meteredEnv(env, scope) : { ...env };
    if (rate > 0) e.afterBatchSends = () => injectConsumerFault(rate);
    wrapped[scope].set(env, e);
  }
  return e;
}

export default {
  fetch(request, env, ctx) {
    if (!benchConfig(env).METRICS) return app.fetch(request, benchEnv(env, "api"), ctx);
    count("api", "invocations");
    return inScope("api", () => app.fetch(request, benchEnv(env, "api"), ctx));
  },
  queue(batch, env) {
    if (!benchConfig(env).METRICS) return queue(batch, benchEnv(env, "consumer"));
    count("consumer", "invocations");
    return inScope("consumer", () => queue(meteredBatch(batch), benchEnv(env, "consumer")));
  },
} satisfies ExportedHandler<Env, DeliveryMessage>;
