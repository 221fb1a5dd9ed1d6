import { AsyncLocalStorage } from "node:async_hooks";
import type { Env } from "../../src/env";
import { count, type Scope } from "./metrics";

// Metered bindings for the METRICS counters (./metrics.ts), used by the bench's entry point
// (./index.ts) only when METRICS is "true". D1, both queues and both Durable Object namespaces
// (HOOK_STATE, DELIVERY_LOG: every RPC call is a billed request) are wrapped, and the global `fetch`
// counts outbound subrequests. The rows the delivery log's objects write are not counted here: each
// object counts them itself (DeliveryLog.usage), and the bench reads them through the metrics-only
// routes of ./routes.ts.

const wrapped: Record<Scope, WeakMap<object, Env>> = { api: new WeakMap(), consumer: new WeakMap() };
/** The env a metered env was made from: the metrics routes' own calls are not the usage they measure. */
const originals = new WeakMap<object, Env>();

/** The handler a subrequest belongs to (outbound fetch has no binding to wrap). */
const handlerScope = new AsyncLocalStorage<Scope>();

/** Runs a handler so that its outbound subrequests are counted for `scope`. */
export function inScope<T>(scope: Scope, handler: () => T): T {
  return handlerScope.run(scope, handler);
}

/**
 * The same env object for the same bindings (getConfig and getDb cache per object, so a new wrapper
 * per request would re-parse the configuration every time).
 */
export function meteredEnv(env: Env, scope: Scope): Env {
  let m = wrapped[scope].get(env);
  if (!m) {
    countSubrequests();
    m = {
      ...env,
      DB: new MeteredD1(env.DB, scope) as unknown as D1Database,
      DELIVERIES: meteredQueue(env.DELIVERIES, scope),
      DEAD_LETTERS: meteredQueue(env.DEAD_LETTERS, scope),
      HOOK_STATE: meteredNamespace(env.HOOK_STATE, scope, "do.hook_calls"),
      DELIVERY_LOG: meteredNamespace(env.DELIVERY_LOG, scope, "do.log_calls"),
    };
    wrapped[scope].set(env, m);
    originals.set(m, env);
  }
  return m;
}

/** The unmetered env behind a metered one (the env itself when it is not metered). */
export function unmeteredEnv(env: Env): Env {
  return originals.get(env) ?? env;
}

/** A queue batch: its messages counted as read, its acknowledgements and retries (queue deletes and re-reads) as they happen. */
export function meteredBatch<T>(batch: MessageBatch<T>): MessageBatch<T> {
  count("consumer", "queue.messages_read", batch.messages.length);
  const messages = batch.messages.map(
    (m): Message<T> =>
      new Proxy(m, {
        get(target, prop) {
          if (prop === "ack") return () => (count("consumer", "queue.messages_acked"), target.ack());
          if (prop === "retry") return (o?: QueueRetryOptions) => (count("consumer", "queue.messages_retried"), target.retry(o));
          const v = Reflect.get(target, prop, target);
          return typeof v === "function" ? v.bind(target) : v;
        },
      }),
  );
  return {
    queue: batch.queue,
    metadata: batch.metadata,
    messages,
    ackAll: () => (count("consumer", "queue.messages_acked", messages.length), batch.ackAll()),
    retryAll: (o?: QueueRetryOptions) => (count("consumer", "queue.messages_retried", messages.length), batch.retryAll(o)),
  } as MessageBatch<T>;
}

function meter(scope: Scope, meta: D1Meta | undefined, statements: number): void {
  count(scope, "d1.statements", statements);
  count(scope, "d1.rows_read", meta?.rows_read ?? 0);
  count(scope, "d1.rows_written", meta?.rows_written ?? 0);
}

const isRead = (query: string) => /^\s*select\b/i.test(query);

/**
 * D1, one round trip per call. `raw()` (which drizzle uses for selects) returns no `meta`, so its
 * rows read are learnt by running a read-only statement once more through `run()`: a measuring
 * instrument's own cost, paid only with METRICS on, and not counted.
 */
class MeteredD1 {
  constructor(
    readonly inner: D1Database,
    private readonly scope: Scope,
  ) {}
  prepare(query: string): MeteredStatement {
    return new MeteredStatement(this.inner.prepare(query), query, this.scope);
  }
  async batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    count(this.scope, "d1.round_trips");
    const results = await this.inner.batch<T>(statements.map((s) => (s instanceof MeteredStatement ? s.inner : s)));
    count(this.scope, "d1.statements", results.length);
    count(this.scope, "d1.write_statements", statements.filter((s) => !(s instanceof MeteredStatement && isRead(s.query))).length);
    for (const r of results) meter(this.scope, r.meta, 0);
    return results;
  }
  exec(query: string): Promise<D1ExecResult> {
    count(this.scope, "d1.round_trips");
    return this.inner.exec(query);
  }
  withSession(constraint?: string): D1DatabaseSession {
    return this.inner.withSession(constraint);
  }
  dump(): Promise<ArrayBuffer> {
    return this.inner.dump();
  }
}

class MeteredStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    query: string,
    private readonly scope: Scope,
  ) {
    this.query = query;
  }
  readonly query: string;
  bind(...values: unknown[]): MeteredStatement {
    return new MeteredStatement(this.inner.bind(...values), this.query, this.scope);
  }
  private countWrite(): void {
    if (!isRead(this.query)) count(this.scope, "d1.write_statements");
  }
  async first<T>(column?: string): Promise<T | null> {
    const r = await this.all<Record<string, T>>();
    const row = r.results[0];
    if (!row) return null;
    return (column === undefined ? row : row[column]) as T;
  }
  run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.metered(() => this.inner.run<T>());
  }
  all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.metered(() => this.inner.all<T>());
  }
  /** One statement, one round trip: run or all alike. */
  private async metered<T>(execute: () => Promise<D1Result<T>>): Promise<D1Result<T>> {
    count(this.scope, "d1.round_trips");
    const r = await execute();
    meter(this.scope, r.meta, 1);
    this.countWrite();
    return r;
  }
  async raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<T[]> {
    count(this.scope, "d1.round_trips");
    const rows = options?.columnNames ? await this.inner.raw<T>({ columnNames: true }) : await this.inner.raw<T>();
    if (isRead(this.query)) meter(this.scope, (await this.inner.run()).meta, 1);
    else {
      count(this.scope, "d1.statements");
      this.countWrite();
    }
    return rows as T[];
  }
}

function meteredQueue<T>(queue: Queue<T>, scope: Scope): Queue<T> {
  return {
    send: (body: T, o?: QueueSendOptions) => {
      count(scope, "queue.send_calls");
      count(scope, "queue.messages_written");
      return queue.send(body, o);
    },
    sendBatch: (messages: Iterable<MessageSendRequest<T>>, o?: QueueSendBatchOptions) => {
      const list = [...messages];
      count(scope, "queue.send_calls");
      count(scope, "queue.messages_written", list.length);
      return queue.sendBatch(list, o);
    },
  } as Queue<T>;
}

/** Every RPC method call on a Durable Object stub is one billed Durable Object request. */
function meteredNamespace<N extends DurableObjectNamespace<any>>(ns: N, scope: Scope, counter: "do.hook_calls" | "do.log_calls"): N {
  const meteredStub = (stub: object) =>
    new Proxy(stub, {
      get(target, prop) {
        const v = Reflect.get(target, prop);
        if (typeof prop !== "string" || prop === "then" || typeof v !== "function") return v;
        // Reflect.apply, not v.apply: on an RPC stub, `v.apply` would be a remote method named "apply".
        return (...args: unknown[]) => {
          count(scope, "do.calls");
          count(scope, counter);
          return Reflect.apply(v as (...a: unknown[]) => unknown, target, args);
        };
      },
    });
  return new Proxy(ns, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (typeof v !== "function") return v;
      if (prop === "get" || prop === "getByName") return (...args: unknown[]) => meteredStub(Reflect.apply(v as (...a: unknown[]) => object, target, args));
      return (v as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

let fetchCounted = false;

/**
 * Outbound subrequests (deliveries, gates, endpoint tests, Slack) all go through the global fetch,
 * which has no binding to wrap; the handler they belong to comes from the async context.
 */
function countSubrequests(): void {
  if (fetchCounted) return;
  fetchCounted = true;
  const original = globalThis.fetch;
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    count(handlerScope.getStore() ?? "api", "subrequests");
    return original(input, init);
  }) as typeof fetch;
}
