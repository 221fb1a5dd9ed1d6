import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { ROOT, quietEnv, run } from "../helpers/wrangler-dev";

export { freePort, startRouter, until, type Router } from "../helpers/wrangler-dev";

// The CLI tests run the real thing: the router under `wrangler dev` (D1, Queues and Durable Objects
// emulated locally, state in a temporary folder) and `bin/hookrouter.mjs` as child processes.

const BIN = join(ROOT, "bin", "hookrouter.mjs");

export const ADMIN_TOKEN = "cli-test-admin-token-0123456789-UvWxYz-abcdefghijklmnopqrstuvwxyz";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `hookrouter ARGS` to completion. */
export function cli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return run(process.execPath, [BIN, ...args], { env: { ...quietEnv, ...env }, input });
}

/** Runs `hookrouter ARGS --json`, which must succeed, and parses what it printed. */
export async function cliJson<T = any>(args: string[], env: Record<string, string>): Promise<T> {
  const r = await cli([...args, "--json"], env);
  if (r.code !== 0) throw new Error(`hookrouter ${args.join(" ")} exited ${r.code}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
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
