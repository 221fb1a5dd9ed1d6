import type { Env } from "../../src/env";

// Instrumented bindings for the cost tests: they count what the code asks of D1 and of the queue
// and pass every call on to the real binding unchanged.

export interface D1Count {
  /** Calls that go to D1: one per statement run alone, one per batch. */
  roundTrips: number;
  statements: number;
}

/**
 * D1's own count of rows written (`meta.rows_written`: every table row and index entry), what D1 bills
 * most for. From the answers of `run`, `all` and `batch`, which carry it; the measured paths write
 * only through those.
 */
export interface D1RowsWritten {
  rows: number;
}

export interface QueueCount {
  sendCalls: number;
  messages: number;
}

function countRowsWritten(written: D1RowsWritten, result: unknown): void {
  written.rows += (result as { meta?: { rows_written?: number } } | undefined)?.meta?.rows_written ?? 0;
}

function countingD1(real: D1Database, count: D1Count, written: D1RowsWritten): D1Database {
  const originals = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args));
        if (prop === "all" || prop === "run" || prop === "first" || prop === "raw") {
          return (...args: unknown[]) => {
            count.roundTrips++;
            count.statements++;
            const answer = (target[prop] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            return prop === "run" || prop === "all" ? answer.then((r) => (countRowsWritten(written, r), r)) : answer;
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    originals.set(proxy, stmt);
    return proxy;
  };
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => wrap(target.prepare(query));
      if (prop === "batch") {
        return (stmts: D1PreparedStatement[]) => {
          count.roundTrips++;
          count.statements += stmts.length;
          return target.batch(stmts.map((s) => originals.get(s) ?? s)).then((rs) => (rs.forEach((r) => countRowsWritten(written, r)), rs));
        };
      }
      if (prop === "exec") throw new Error("exec is not expected on the measured paths");
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

function countingQueue<T>(real: Queue<T>, count: QueueCount): Queue<T> {
  return {
    send: (body: T, o?: QueueSendOptions) => {
      count.sendCalls++;
      count.messages++;
      return real.send(body, o);
    },
    sendBatch: (ms: Iterable<MessageSendRequest<T>>, o?: QueueSendBatchOptions) => {
      const list = [...ms];
      count.sendCalls++;
      count.messages += list.length;
      return real.sendBatch(list, o);
    },
  } as Queue<T>;
}

export function countingEnv(base: Env): { env: Env; d1: D1Count; written: D1RowsWritten; deliveries: QueueCount; deadLetters: QueueCount } {
  const d1 = { roundTrips: 0, statements: 0 };
  const written = { rows: 0 };
  const deliveries = { sendCalls: 0, messages: 0 };
  const deadLetters = { sendCalls: 0, messages: 0 };
  return {
    env: { ...base, DB: countingD1(base.DB, d1, written), DELIVERIES: countingQueue(base.DELIVERIES, deliveries), DEAD_LETTERS: countingQueue(base.DEAD_LETTERS, deadLetters) },
    d1,
    written,
    deliveries,
    deadLetters,
  };
}

/** One RPC call on a Durable Object: the object's name (`idFromName`) and the method. */
export interface ObjectCall {
  name: string;
  method: string;
}

/** A Durable Object namespace whose stubs note every RPC call (object name, method) and pass it on. */
export function countingObjects<T extends Rpc.DurableObjectBranded | undefined>(real: DurableObjectNamespace<T>, calls: ObjectCall[]): DurableObjectNamespace<T> {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "get") {
        return (id: DurableObjectId) => {
          const stub = target.get(id);
          return new Proxy(stub, {
            get(s, method) {
              const v = Reflect.get(s, method);
              if (typeof v !== "function" || typeof method !== "string") return v;
              return (...args: unknown[]) => (calls.push({ name: id.name ?? id.toString(), method }), Reflect.apply(v, s, args));
            },
          });
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
