import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { becameHealthy, freePort, quietEnv, ROOT, stopProcessGroup } from "../../test/helpers/wrangler-dev";

export { ROOT };

// The router under `wrangler dev --local`, as the bench measures it: a fresh temporary state folder
// (D1, Queues, Durable Objects emulated by workerd on this machine), the D1 migrations applied first,
// and configuration through `--var`.
//
// The Worker it serves is the bench's entry point (bench/worker/): the production Worker wrapped with
// the bench's switches (METRICS, CHAOS_CONSUMER_THROW_RATE), which with neither set serves what
// production serves.
//
// One thing `--var` cannot change is a binding: the per-API-key limit is a `[[ratelimits]]` binding
// (1,000 requests per 10 s in wrangler.toml, see src/http/rate-limit.ts), which would answer 429 to
// most of the load generator's requests. So the bench runs a copy of wrangler.toml that differs in
// that one number, in its `main` (and in absolute paths, since the copy lives in a temporary folder).

const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
/** Per-key budget per 10 s in the bench's copy of wrangler.toml: above anything the bench sends. */
const BENCH_RATE_LIMIT = 10_000_000;

/** The bench's entry point, which wraps the production Worker. */
const BENCH_ENTRY = join(ROOT, "bench", "worker", "index.ts");

/** wrangler.toml with the per-key rate limit raised, the bench's entry point as `main`, and every path absolute. */
function benchWranglerConfig(): string {
  const original = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  // The API_RATE_LIMITER block's own `simple` line: AUTH_RATE_LIMITER has one of the same shape.
  const limited = /(name = "API_RATE_LIMITER"\n(?:[^[\n][^\n]*\n)*?simple = \{ limit = )\d+(, period = 10 \})/;
  if (!limited.test(original)) throw new Error("wrangler.toml: the API_RATE_LIMITER block changed; update bench/lib/router.ts");
  return original
    .replace(limited, `$1${BENCH_RATE_LIMIT}$2`)
    .replace(/^main = "(.*)"$/m, `main = ${JSON.stringify(BENCH_ENTRY)}\nbase_dir = ${JSON.stringify(ROOT)}`)
    .replace(/^migrations_dir = "(.*)"$/m, (_, p: string) => `migrations_dir = ${JSON.stringify(join(ROOT, p))}`);
}

/**
 * The config that serves the bundle in `dist` as is (`--no-bundle`): the bundle's side modules (the
 * files wrangler.toml's [[rules]] import as text, renamed with their hashes) declared by exact name.
 */
function servingConfig(dist: string): string {
  const sideModules = readdirSync(dist).filter((f) => !["index.js", "index.js.map", "README.md"].includes(f));
  const typeOf = (f: string) => (f.endsWith(".wasm") ? "CompiledWasm" : f.endsWith(".bin") ? "Data" : "Text");
  const rules = ["Text", "CompiledWasm", "Data"]
    .map((type) => [type, sideModules.filter((f) => typeOf(f) === type)] as const)
    .filter(([, files]) => files.length > 0)
    .map(([type, files]) => `[[rules]]\ntype = "${type}"\nglobs = ${JSON.stringify(files)}\nfallthrough = true\n`);
  return benchWranglerConfig()
    .replace(/^\[\[rules\]\]\n(?:[^\n]+\n)*/gm, "")
    .replace(/^base_dir = .*\n/m, "")
    .replace(/^main = .*$/m, `main = ${JSON.stringify(join(dist, "index.js"))}\nfind_additional_modules = true\nbase_dir = ${JSON.stringify(dist)}`)
    .concat("\n", ...rules);
}

export interface Router {
  url: string;
  /** wrangler's and workerd's output so far (for diagnosis). */
  log(): string;
  /** CPU time (user + system, ms) the workerd processes serving the router used so far; null off Linux. */
  cpuMs(): number | null;
  stop(): Promise<void>;
}

/**
 * Bundles the router once (`wrangler deploy --dry-run`), into a folder of its own: every router the
 * bench starts serves this snapshot, unwatched. (In a working tree others edit, `wrangler dev` would
 * otherwise rebuild and restart the Worker mid-run: "Your worker restarted mid-request".)
 */
export function bundleRouter(): { dist: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "hookrouter-bench-bundle-"));
  const config = join(dir, "wrangler.toml");
  writeFileSync(config, benchWranglerConfig());
  const built = spawnSync(WRANGLER, ["deploy", "--dry-run", "--outdir", join(dir, "dist"), "-c", config], { cwd: ROOT, env: quietEnv, input: "", encoding: "utf8", timeout: 120_000 });
  if (built.status !== 0) throw new Error(`bundling failed:\n${built.stdout}\n${built.stderr}`);
  return { dist: join(dir, "dist"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RouterOptions {
  /** The folder `bundleRouter` made. */
  dist: string;
  vars: Record<string, string>;
  /**
   * false: no queue consumer (the [[queues.consumers]] blocks are left out), so events are accepted
   * and their messages wait in the local queue: the ingest path measured alone, without the
   * deliveries that on Cloudflare run in other invocations but here would share the same 2 cores.
   */
  consumers: boolean;
  /** A last change to the config (for experiments, e.g. another max_batch_size). */
  adjust?: (toml: string) => string;
}

export async function startRouter(opts: RouterOptions): Promise<Router> {
  const dir = mkdtempSync(join(tmpdir(), "hookrouter-bench-"));
  const state = join(dir, "state");
  mkdirSync(state);
  const config = join(dir, "wrangler.toml");
  let toml = servingConfig(opts.dist);
  if (!opts.consumers) toml = toml.replace(/^\[\[queues\.consumers\]\]\n(?:[^\n]+\n)*/gm, "");
  writeFileSync(config, opts.adjust ? opts.adjust(toml) : toml);

  const migrated = spawnSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state, "-c", config], {
    cwd: ROOT,
    env: quietEnv,
    input: "",
    encoding: "utf8",
    timeout: 120_000,
  });
  if (migrated.status !== 0) throw new Error(`migrations failed:\n${migrated.stdout}\n${migrated.stderr}`);

  const port = await freePort();
  const serve = { config, persist: state, port, vars: opts.vars, logLevel: process.env.BENCH_LOG_LEVEL ?? "warn" };
  // Its own process group, so stopping it also stops the workerd processes it starts.
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "serve-router.ts")], {
    cwd: ROOT,
    env: { ...quietEnv, BENCH_SERVE: JSON.stringify(serve) },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    await stopProcessGroup(child);
    rmSync(dir, { recursive: true, force: true });
  };

  if (await becameHealthy(url, child, 90_000)) return { url, log: () => out, cpuMs: () => workerdCpuMs(child.pid!), stop };
  await stop();
  throw new Error(`wrangler dev did not become healthy on ${url}:\n${out}`);
}

/** Sums utime + stime of the workerd processes in the process group `pgid` (from /proc). */
function workerdCpuMs(pgid: number): number | null {
  try {
    const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
    let ticks = 0;
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        continue;
      }
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields[0] is the state (field 3): pgrp is field 5, utime 14, stime 15.
      if (comm !== "workerd" || Number(fields[2]) !== pgid) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / ticksPerMs;
  } catch {
    return null;
  }
}
