import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import benchWorker from "../../bench/worker/index";
import { BENCH_SWITCHES } from "../../bench/worker/config";
import type { Env } from "../../src/env";
import worker from "../../src/index";

export const ADMIN_TOKEN = "test-admin-token-0123456789-UvWxYz-abcdefghijklmnopqrstuvwxyz";

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * Calls the Worker's own fetch handler, in the Workers runtime, as a client would over HTTP: a body
 * goes with its Content-Length, as any HTTP client sends it (so the body limit is judged on the
 * header first, as in production; errors.test.ts sends a stream without one too).
 */
type CallOptions = { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; bindings?: Partial<Env>; env?: Env };

export async function call<T = any>(method: string, path: string, opts: CallOptions = {}): Promise<Answer<T>> {
  const { res, text } = await fetchWorker(requestOf(method, path, opts), opts.bindings ?? opts.env);
  return answerOf<T>(res, text);
}

/**
 * As `call`, but answers as soon as the Worker does: `done` settles once its waitUntil work has ended
 * (a publish's first attempts and their first retry, src/delivery/first-attempt.ts), for a test that
 * acts between the two. The test awaits `done` before it ends.
 */
export async function callAnsweredFirst<T = any>(method: string, path: string, opts: CallOptions = {}): Promise<Answer<T> & { done: Promise<void> }> {
  const { res, text, done } = await startWorker(requestOf(method, path, opts), opts.bindings ?? opts.env);
  return { ...answerOf<T>(res, text), done };
}

function requestOf(method: string, path: string, opts: CallOptions): Request {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  if (body !== undefined) headers["content-length"] ??= String(new TextEncoder().encode(body).byteLength);
  return new Request(`http://hookrouter.test${path}`, { method, headers, body });
}

function answerOf<T>(res: Response, text: string): Answer<T> {
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/**
 * Hands one request to the Worker's fetch handler (src/index.ts, or the bench's: `entryFor`) in the Workers runtime, with the
 * project's real bindings (queues, D1, Durable Objects: what the handler sends to the queue still
 * reaches the real consumer), and reads the answer. Called directly rather than through
 * `exports.default.fetch`, which calls the same handler with the same env but, in
 * vitest-pool-workers 0.23, makes every call slower than the one before it
 * (cloudflare/workers-sdk#15446; 5 ms to over 200 ms per request within 300 requests), and a test
 * file sends hundreds. The handler's waitUntil work (a publish's first attempts) is awaited before this returns, so
 * background work never piles up between requests. `bindings` override the project's for this request (a test's
 * instrumented or failing queue, a rate limiter on the test's clock).
 */
export async function fetchWorker(request: Request, bindings: Partial<Env> = {}): Promise<{ res: Response; text: string }> {
  const { res, text, done } = await startWorker(request, bindings);
  await done;
  return { res, text };
}

async function startWorker(request: Request, bindings: Partial<Env> = {}): Promise<{ res: Response; text: string; done: Promise<void> }> {
  const ctx = createExecutionContext();
  // Bindings overridden for this one request (a configuration is parsed per env object: src/env.ts).
  const requestEnv = Object.keys(bindings).length === 0 ? (env as unknown as Env) : ({ ...(env as unknown as Env), ...bindings } as Env);
  const res = await entryFor(requestEnv).fetch(request as Request<unknown, IncomingRequestCfProperties>, requestEnv, ctx);
  const text = await res.text();
  return { res, text, done: waitOnExecutionContext(ctx) };
}

/**
 * The production Worker (src/index.ts), or the bench's entry point (bench/worker/) when the bindings
 * set one of its switches (METRICS, CHAOS_CONSUMER_THROW_RATE: the production Worker knows none of
 * them), as `npm run bench` runs it. `METRICS: "false"` reaches the bench's entry point unmetered.
 */
function entryFor(env: Env): typeof worker {
  return BENCH_SWITCHES.some((name) => env[name] !== undefined) ? benchWorker : worker;
}

/** A fresh account with one API key. */
export async function newAccount(name = "acme"): Promise<{ accountId: string; key: string; keyId: string }> {
  const acc = await call("POST", "/v1/accounts", { token: ADMIN_TOKEN, body: { name } });
  if (acc.status !== 201) throw new Error(`account: ${acc.status} ${JSON.stringify(acc.body)}`);
  const key = await call("POST", `/v1/accounts/${acc.body.id}/keys`, { token: ADMIN_TOKEN, body: { name: "test" } });
  if (key.status !== 201) throw new Error(`key: ${key.status} ${JSON.stringify(key.body)}`);
  return { accountId: acc.body.id, key: key.body.key, keyId: key.body.id };
}

export function expectErrorShape(a: Answer, status: number, code?: string): void {
  if (a.status !== status) throw new Error(`expected ${status}, got ${a.status}: ${JSON.stringify(a.body)}`);
  const e = (a.body as any)?.error;
  if (!e || typeof e.code !== "string" || typeof e.message !== "string" || !Array.isArray(e.details)) {
    throw new Error(`not the error shape: ${JSON.stringify(a.body)}`);
  }
  if (code && e.code !== code) throw new Error(`expected code ${code}, got ${e.code}`);
}
