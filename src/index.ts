import { buildApp } from "./app";
import { queue } from "./delivery/consumer";
import type { DeliveryMessage, Env } from "./env";

export { HookState } from "./durable/hook-state";
export { DeliveryLog } from "./durable/delivery-log";
export { Tunnel } from "./durable/tunnel";
export { ReplayJob } from "./durable/replay-job";

const app = buildApp();

// The production Worker. The bench runs it wrapped (bench/worker/: usage metering and fault
// injection), never this file with switches of its own.
export default {
  fetch(request, env, ctx) {
    return app.fetch(request, env, ctx);
  },
  queue(batch, env) {
    return queue(batch, env);
  },
} satisfies ExportedHandler<Env, DeliveryMessage>;
