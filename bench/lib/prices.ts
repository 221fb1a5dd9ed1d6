// Cloudflare's public Workers Paid prices for usage beyond the plan's monthly inclusions (the
// marginal price of one more delivery), as published on these pages (read for this bench in
// November 2026; the inclusions — 10 M requests, 25 B D1 rows read, 50 M D1 rows written,
// 1 M queue operations, 1 M DO requests, 50 M DO rows written, 5 GB DO storage a month — are left out, so the figures hold at any volume
// above them).

export interface Price {
  what: string;
  dollars: number;
  per: string;
  source: string;
}

export const PRICES = {
  workerRequest: { what: "Workers request (also counted for each queue-consumer invocation)", dollars: 0.3, per: "million requests", source: "https://developers.cloudflare.com/workers/platform/pricing/" },
  workerCpuMs: { what: "Workers CPU time", dollars: 0.02, per: "million CPU ms", source: "https://developers.cloudflare.com/workers/platform/pricing/" },
  d1RowRead: { what: "D1 rows read", dollars: 0.001, per: "million rows", source: "https://developers.cloudflare.com/d1/platform/pricing/" },
  d1RowWritten: { what: "D1 rows written (each index entry written counts as a row)", dollars: 1.0, per: "million rows", source: "https://developers.cloudflare.com/d1/platform/pricing/" },
  queueOp: { what: "Queues operation (per 64 KB written, read or deleted)", dollars: 0.4, per: "million operations", source: "https://developers.cloudflare.com/queues/platform/pricing/" },
  doRequest: { what: "Durable Objects request (each RPC call)", dollars: 0.15, per: "million requests", source: "https://developers.cloudflare.com/durable-objects/platform/pricing/" },
  doRowWritten: { what: "Durable Objects SQLite rows written (each index entry counts; setAlarm counts as one)", dollars: 1.0, per: "million rows", source: "https://developers.cloudflare.com/durable-objects/platform/pricing/" },
  doStorage: { what: "Durable Objects SQLite stored data", dollars: 0.2, per: "GB-month", source: "https://developers.cloudflare.com/durable-objects/platform/pricing/" },
} satisfies Record<string, Price>;

/** Billed units of a run, added up over the whole run (the `api` and `consumer` scopes together). */
export interface Units {
  /** Worker invocations: publishes (fetch) and queue-consumer batches; the bench's own metrics requests taken out. */
  invocations: number;
  d1RoundTrips: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  /** Messages written + read + deleted (each under 64 KB: one operation each). */
  queueOps: number;
  /** RPC calls to the DeliveryLog objects. */
  logCalls: number;
  /** RPC calls to the HookState objects. */
  hookCalls: number;
  /** Rows the DeliveryLog objects wrote (their SQLite's own count, every index entry included). */
  logRowsWritten: number;
  subrequests: number;
}

export const UNIT_NAMES: Record<keyof Units, string> = {
  invocations: "Worker invocations",
  d1RoundTrips: "D1 round trips",
  d1RowsRead: "D1 rows read",
  d1RowsWritten: "D1 rows written",
  queueOps: "queue operations",
  logCalls: "DeliveryLog RPCs",
  hookCalls: "HookState RPCs",
  logRowsWritten: "DeliveryLog rows written",
  subrequests: "subrequests (deliveries)",
};

export function scaleUnits(u: Units, by: number): Units {
  const out = {} as Units;
  for (const k of Object.keys(u) as Array<keyof Units>) out[k] = u[k] * by;
  return out;
}

export function subtractUnits(a: Units, b: Units): Units {
  const out = {} as Units;
  for (const k of Object.keys(a) as Array<keyof Units>) out[k] = a[k] - b[k];
  return out;
}

export type CostBreakdown = Record<"workers" | "d1Reads" | "d1Writes" | "queues" | "doRequests" | "doRowsWritten" | "total" | "cpu" | "totalWithCpu", number>;

/**
 * Dollars per million of whatever `u` is per (a delivery, a failed attempt). `cpuMs` (workerd's CPU
 * time per the same unit, an upper bound) is priced apart: `total` leaves it out, `totalWithCpu` adds it.
 */
export function dollarsPerMillion(u: Units, cpuMs: number | null): CostBreakdown {
  const r = (n: number) => Math.round(n * 10_000) / 10_000;
  const workers = u.invocations * PRICES.workerRequest.dollars;
  const d1Reads = u.d1RowsRead * PRICES.d1RowRead.dollars;
  const d1Writes = u.d1RowsWritten * PRICES.d1RowWritten.dollars;
  const queues = u.queueOps * PRICES.queueOp.dollars;
  const doRequests = (u.logCalls + u.hookCalls) * PRICES.doRequest.dollars;
  const doRowsWritten = u.logRowsWritten * PRICES.doRowWritten.dollars;
  const total = workers + d1Reads + d1Writes + queues + doRequests + doRowsWritten;
  const cpu = (cpuMs ?? 0) * PRICES.workerCpuMs.dollars;
  return { workers: r(workers), d1Reads: r(d1Reads), d1Writes: r(d1Writes), queues: r(queues), doRequests: r(doRequests), doRowsWritten: r(doRowsWritten), total: r(total), cpu: r(cpu), totalWithCpu: r(total + cpu) };
}
