import { buildApp } from "./app";
import { queue } from "./delivery/consumer";
import type { DeliveryMessage, Env } from "./env";

export { HookState } from "./durable/hook-state";

const app = buildApp();

export default {
  fetch: app.fetch,
  queue,
} satisfies ExportedHandler<Env, DeliveryMessage>;
