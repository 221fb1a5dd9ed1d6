import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Api } from "./lib/api";
import { describeMachine } from "./lib/machine";
import { BenchReceiver } from "./lib/receiver";
import { fifoRows, ingestRows, renderReport, type Report } from "./lib/report";
import { bundleRouter, ROOT, startRouter, type Router } from "./lib/router";
import { measureBounds } from "./phases/bounds";
import { chaosConsumer, chaosReceiver } from "./phases/chaos";
import { measureCost } from "./phases/cost";
import { measureBurst, measureSustained } from "./phases/delivery";
import { measureFanout } from "./phases/fanout";
import { measureFifo } from "./phases/fifo";
import { measureIngest, measureQueuedIngest, measureScale } from "./phases/ingest";
import { measureRateLimit } from "./phases/rate-limit";

// `npm run bench`: the router under `wrangler dev --local` and a receiver on loopback. The router is
// bundled once; five routers are started from that bundle one after the other, each with fresh state:
//   I. ingest against a no-I/O route (404) and the trivial route, then several accounts publishing at
//      once — without a queue consumer (bench/lib/router.ts says why; a first attempt that succeeds,
//      made by the publishing Worker, needs none);
//   A. delivery, fan-out, rate limit, gate and stats response times — the production code path, METRICS off;
//   D. the chaos receiver (a shorter delivery timeout, see CHAOS_DELIVERY_TIMEOUT_MS);
//   B. cost — METRICS on (the metered bindings cost time, so they stay out of I and A);
//   C. a consumer that throws for 10% of its batches (CHAOS_CONSUMER_THROW_RATE).
// Prints one table and writes it, with the machine and versions, to bench/results.md.
// BENCH_QUICK=1 runs every phase with small counts (a smoke test of the bench itself).

const QUICK = process.env.BENCH_QUICK === "1";
const scale = (full: number, quick: number) => (QUICK ? quick : full);
/**
 * BENCH_PHASE=<name> runs one phase alone, on its own router, and prints its rows (results.md is not
 * written, and the run does not wait for other vitest processes): for a figure of one feature
 * without the whole bench's six minutes. The phases that can run alone are listed here.
 */
const ONLY = process.env.BENCH_PHASE;
const FIFO_EVENTS = () => scale(300, 30);
const STANDALONE: Record<string, (rx: BenchReceiver) => Promise<Array<{ figure: string; measured: string }>>> = {
  fifo: (rx) => withRouter({}, async (api) => fifoRows(await measureFifo(api, rx, FIFO_EVENTS(), 300_000))),
  ingest: async (rx) => {
    const { ingest, ingestQueued } = await measureIngestPhases(rx, false);
    return ingestRows(ingest, ingestQueued);
  },
};

const ADMIN_TOKEN = "bench-admin-token-0123456789-UvWxYz-abcdefghijklmnopqrstuvwxyz";
/** A fixed key: the bench's data is thrown away with its temporary state folder. */
const ENCRYPTION_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/** Shrunk: one-second retries, 13 attempts, so a delivery survives 30% chaos (0.3^13 ≈ 2e-7 to die). */
const RETRY_SCHEDULE = "1,1,1,1,1,1,1,1,1,1,1,1";
const DELIVERY_TIMEOUT_MS = 1000;
/**
 * The chaos receiver's router times out sooner: a third of its batches wait out a hanging receiver,
 * and Miniflare hands batches out one at a time. "Slow" answers stay well inside it.
 */
const CHAOS_DELIVERY_TIMEOUT_MS = 500;
const CHAOS = { rate: 0.3, slowMs: 200 };
const CONSUMER_THROW_RATE = 0.1;
/** Connections for the ingest comparison, shared out among the accounts of the scale phase. */
const INGEST_CONNECTIONS = 16;
const SCALE_ACCOUNTS = 4;

const baseVars = {
  ADMIN_TOKEN,
  ENCRYPTION_KEY,
  ALLOW_PRIVATE_TARGETS: "true",
  RETRY_SCHEDULE,
  DELIVERY_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS),
  // No automatic endpoint test of each new hook: 1,000 fan-out hooks would get 1,000 extra requests.
  AUTO_TEST_DELAY_SECONDS: "86400",
  // The circuit breaker keeps production's settings (10 failures, first probe after 30 s): a delivery
  // the breaker holds back wrongly shows up in the chaos phases' time to deliver, as it would live.
};

let dist = "";

async function withRouter<T>(vars: Record<string, string>, body: (api: Api, router: Router) => Promise<T>, consumers = true): Promise<T> {
  const router = await startRouter({ dist, vars: { ...baseVars, ...vars }, consumers });
  try {
    return await body(new Api(router.url, ADMIN_TOKEN), router);
  } catch (error) {
    mkdirSync(join(ROOT, "bench", ".tmp"), { recursive: true });
    writeFileSync(join(ROOT, "bench", ".tmp", "router.log"), router.log());
    console.error(`router output (last lines; all of it in bench/.tmp/router.log):\n${router.log().slice(-4000)}`);
    throw error;
  } finally {
    await router.stop();
  }
}

function step(what: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${what}`);
}

/**
 * The machine is shared: a full run first waits (checking every 30 s, up to 15 minutes) until no other
 * `vitest` process runs, then runs anyway; results.md says which.
 */
async function waitForVitest(): Promise<{ seconds: number; clear: boolean }> {
  const start = Date.now();
  const running = () => (spawnSync("pgrep", ["-f", "vitest"], { encoding: "utf8" }).stdout ?? "").trim() !== "";
  while (running()) {
    if (Date.now() - start >= 15 * 60_000) return { seconds: Math.round((Date.now() - start) / 1000), clear: false };
    step("other vitest processes are running: waiting 30 s");
    await new Promise((r) => setTimeout(r, 30_000));
  }
  return { seconds: Math.round((Date.now() - start) / 1000), clear: true };
}

/** The router bundled once and the receiver started, for `body`; both undone after it. */
async function withBundleAndReceiver<T>(body: (rx: BenchReceiver) => Promise<T>): Promise<T> {
  step("bundling the router");
  const bundle = bundleRouter();
  dist = bundle.dist;
  const rx = new BenchReceiver();
  await rx.start();
  try {
    return await body(rx);
  } finally {
    await rx.stop();
    bundle.remove();
  }
}

/**
 * Ingest against the no-I/O route, on routers without queue consumers (startRouter): with the
 * default first attempt, then (a router of its own) with every delivery queued; `withScale` adds the
 * several-accounts run on the first router.
 */
async function measureIngestPhases(rx: BenchReceiver, withScale: boolean) {
  const ingestOptions = { connections: INGEST_CONNECTIONS, durationSeconds: scale(10, 3) };
  step(`ingest vs a no-I/O route (404) and the trivial authenticated route (autocannon, ${INGEST_CONNECTIONS} connections)`);
  const { ingest, scaleRun } = await withRouter(
    {},
    async (api) => {
      const ingest = await measureIngest(api, rx, ingestOptions);
      if (!withScale) return { ingest, scaleRun: undefined };
      step(`scale: ${SCALE_ACCOUNTS} accounts × ${INGEST_CONNECTIONS / SCALE_ACCOUNTS} publishers at once`);
      return { ingest, scaleRun: await measureScale(api, rx, { accounts: SCALE_ACCOUNTS, connectionsPerAccount: INGEST_CONNECTIONS / SCALE_ACCOUNTS, durationSeconds: scale(10, 3) }) };
    },
    false,
  );
  step("ingest with every delivery queued (FIRST_ATTEMPTS_BY_PUBLISHER=false) vs its own 404 run");
  const ingestQueued = await withRouter({ FIRST_ATTEMPTS_BY_PUBLISHER: "false" }, (api) => measureQueuedIngest(api, rx, ingestOptions), false);
  return { ingest, ingestQueued, scaleRun };
}

async function runAlone(phase: string): Promise<void> {
  const run = STANDALONE[phase];
  if (!run) throw new Error(`BENCH_PHASE=${phase}: the phases that run alone are ${Object.keys(STANDALONE).join(", ")}`);
  const machine = describeMachine();
  const rows = await withBundleAndReceiver((rx) => {
    step(`${phase} alone (BENCH_PHASE)`);
    return run(rx);
  });
  console.log(`machine at start: ${JSON.stringify(machine)}`);
  for (const row of rows) console.log(`${row.figure}: ${row.measured}`);
}

async function main(): Promise<void> {
  if (ONLY) return runAlone(ONLY);
  const waitedForVitest = QUICK ? undefined : await waitForVitest();
  const machine = describeMachine();
  await withBundleAndReceiver(async (rx) => {
    const { ingest, ingestQueued, scaleRun } = await measureIngestPhases(rx, true);
    const perf = await withRouter({}, async (api) => {
      step(`delivery: burst of ${scale(5000, 300)} events`);
      const burst = await measureBurst(api, rx, scale(5000, 300), 300_000);
      step("delivery: 100 events/s sustained");
      const sustained = await measureSustained(api, rx, 100, scale(20, 5), 120_000);
      step(`fan-out to ${scale(1000, 100)} hooks`);
      const fanout = await measureFanout(api, rx, scale(1000, 100), 120_000);
      step("rate limit: 20/s");
      const rateLimit = await measureRateLimit(api, rx, 20, scale(30, 5), 180_000);
      step(`FIFO hook: ${FIFO_EVENTS()} events, twice`);
      const fifo = await measureFifo(api, rx, FIFO_EVENTS(), 300_000);
      step("gates and stats response times");
      const bounds = await measureBounds(api, rx, scale(1000, 50), 180_000);
      return { burst, sustained, fanout, rateLimit, fifo, bounds };
    });
    step(`chaos receiver: ${scale(2000, 200)} events`);
    const chaos = await withRouter({ DELIVERY_TIMEOUT_MS: String(CHAOS_DELIVERY_TIMEOUT_MS) }, (api) => chaosReceiver(api, rx, scale(2000, 200), CHAOS, 600_000));
    step("cost (METRICS on)");
    const cost = await withRouter({ METRICS: "true" }, (api, router) =>
      measureCost(api, rx, { events: scale(500, 50), fanoutEvents: scale(200, 20), perSecond: 50, purgeEvents: scale(2000, 200), workerdCpuMs: router.cpuMs }),
    );
    step("chaos consumer (CHAOS_CONSUMER_THROW_RATE)");
    const consumerChaos = await withRouter({ CHAOS_CONSUMER_THROW_RATE: String(CONSUMER_THROW_RATE) }, (api) => chaosConsumer(api, rx, scale(1000, 100), CONSUMER_THROW_RATE, 300_000));

    const report: Report = {
      machine,
      quick: QUICK,
      settings: { RETRY_SCHEDULE, DELIVERY_TIMEOUT_MS, CHAOS_DELIVERY_TIMEOUT_MS, chaos: CHAOS, consumerThrowRate: CONSUMER_THROW_RATE },
      ingest,
      ingestQueued,
      scale: scaleRun!,
      ...perf,
      chaos,
      cost,
      consumerChaos,
      waitedForVitest,
    };
    const { table, markdown } = renderReport(report);
    console.log(table);
    if (!QUICK) writeFileSync(join(ROOT, "bench", "results.md"), markdown);
    else console.error("(BENCH_QUICK: bench/results.md not written)");
  });
}

await main();
