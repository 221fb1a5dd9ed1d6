import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The CLI tests run the real thing: the router under `wrangler dev` (D1, Queues and Durable Objects
// emulated locally, state in a temporary folder) and `bin/hookrouter.mjs` as child processes.

const ROOT = join(import.meta.dirname, "..", "..");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const BIN = join(ROOT, "bin", "hookrouter.mjs");

export const ADMIN_TOKEN = "cli-test-admin-token-0123456789";

const quietEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: opts.env ?? quietEnv, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

export interface Router {
  url: string;
  stop(): Promise<void>;
}

/** `wrangler dev` on a free port with fresh local state, migrations applied, fast retries. */
export async function startRouter(vars: Record<string, string>): Promise<Router> {
  const state = mkdtempSync(join(tmpdir(), "hookrouter-cli-"));
  const migrated = await run(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { timeoutMs: 60_000 });
  if (migrated.code !== 0) throw new Error(`migrations failed:\n${migrated.stdout}\n${migrated.stderr}`);

  const [port, inspectorPort] = [await freePort(), await freePort()];
  const args = ["dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--persist-to", state];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  // Its own process group, so stopping it also stops the workerd processes it starts.
  const child = spawn(WRANGLER, args, { cwd: ROOT, env: quietEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* already gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    rmSync(state, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return { url, stop };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not become healthy on ${url}:\n${log}`);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `hookrouter ARGS` to completion. */
export function cli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return run(process.execPath, [BIN, ...args], { env: { ...quietEnv, ...env }, input });
}

/** A long-running `hookrouter listen`, with its output readable as it comes. */
export class Listener {
  private child: ChildProcess;
  output = "";
  private waiters: Array<() => void> = [];

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [BIN, "listen", ...args], { cwd: ROOT, env: { ...quietEnv, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const onData = (d: Buffer) => {
      this.output += d.toString();
      for (const w of this.waiters) w();
    };
    this.child.stdout!.on("data", onData);
    this.child.stderr!.on("data", onData);
  }

  /** Resolves with the match once the output matches, or fails with the output so far. */
  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.output.match(pattern);
        if (m) {
          this.waiters = this.waiters.filter((w) => w !== check);
          clearTimeout(timer);
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`listener output never matched ${pattern} in ${timeoutMs} ms; output:\n${this.output}`));
      }, timeoutMs);
      this.waiters.push(check);
      check();
    });
  }

  /** The listener's own address, from its first line. */
  async url(): Promise<string> {
    return (await this.waitFor(/Ready\. Waiting for requests on (http:\/\/\S+)/))[1]!;
  }

  /** Sends a signal (Ctrl-C by default) and waits for the process to end; resolves to its exit code. */
  async stop(signal: NodeJS.Signals = "SIGINT"): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((r) => this.child.once("exit", (code) => r(code)));
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

/** Polls until `probe` returns a value (not undefined), or fails after the timeout. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
