import { unstable_startWorker } from "wrangler";

// Serves the router as `wrangler dev --local` does, but through wrangler's own API so that the
// DevTools inspector can be left off: the CLI always attaches one, which turns every D1 query and
// fetch of the Worker into inspector events that wrangler forwards and logs — thousands a second
// under load, on the same two cores as the router being measured. Run by bench/lib/router.ts as a
// child process: BENCH_SERVE (JSON) says what to serve; "ready <url>" is printed once it serves.

interface ServeOptions {
  config: string;
  persist: string;
  port: number;
  vars: Record<string, string>;
  logLevel: "debug" | "info" | "log" | "warn" | "error" | "none";
}

const opts = JSON.parse(process.env.BENCH_SERVE ?? "{}") as ServeOptions;
const worker = await unstable_startWorker({
  config: opts.config,
  bindings: Object.fromEntries(Object.entries(opts.vars).map(([k, v]) => [k, { type: "plain_text" as const, value: v }])),
  build: { bundle: false },
  dev: {
    remote: false,
    inspector: false,
    watch: false,
    liveReload: false,
    persist: opts.persist,
    logLevel: opts.logLevel,
    server: { hostname: "127.0.0.1", port: opts.port },
  },
});
await worker.ready;
console.log(`ready ${(await worker.url).href}`);

const stop = async () => {
  await worker.dispose();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
