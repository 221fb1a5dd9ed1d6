// `env` from "cloudflare:workers" is typed as Cloudflare.Env: in tests it is the Worker's own Env
// plus the migrations the setup file applies.
import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
export {};
