import { buildApp } from "./app";
import { queue } from "./delivery/consumer";
import type { DeliveryMessage, Env } from "./env";
import { inScope, meteredBatch, meteredEnv, metricsEnabled } from "./observability/instrument";
import { count } from "./observability/metrics";

export { HookState } from "./durable/hook-state";
export { DeliveryLog } from "./durable/delivery-log";
export { Tunnel } from "./durable/tunnel";

const app = buildApp();

// With METRICS="true" (the bench only) the bindings are metered (src/observability/); otherwise the
// handlers run on the env untouched.
export default {
  fetch(request, env, ctx) {
    if (!metricsEnabled(env)) return app.fetch(request, env, ctx);
    count("api", "invocations");
    return inScope("api", () => app.fetch(request, meteredEnv(env, "api"), ctx));
  },
  queue(batch, env) {
    if (!metricsEnabled(env)) return queue(batch, env);
    count("consumer", "invocations");
    return inScope("consumer", () => queue(meteredBatch(batch), meteredEnv(env, "consumer")));
  },
} satisfies ExportedHandler<Env, DeliveryMessage>;
