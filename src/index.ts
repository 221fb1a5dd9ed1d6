import { buildApp } from "./app";
import type { Env } from "./env";

export { HookState } from "./durable/hook-state";

const app = buildApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
