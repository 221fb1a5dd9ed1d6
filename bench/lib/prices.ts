// Cloudflare's public Workers Paid prices for usage beyond the plan's monthly inclusions (the
// marginal price of one more delivery), as published on these pages (read for this bench in
// November 2026; the inclusions — 10 M requests, 25 B D1 rows read, 50 M D1 rows written,
// 1 M queue operations, 1 M DO requests a month — are left out, so the figures hold at any volume
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
  doRowWritten: { what: "Durable Objects SQLite rows written", dollars: 1.0, per: "million rows", source: "https://developers.cloudflare.com/durable-objects/platform/pricing/" },
} satisfies Record<string, Price>;

/** Billed units of one event (ingest) or one delivery (consumer), as the cost phase measures them. */
export interface Usage {
  invocations: number;
  d1RoundTrips: number;
  d1Statements: number;
  /** Statements that write (the rest are reads). */
  d1WriteStatements: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  /** Messages written + read + deleted (each under 64 KB: one operation each). */
  queueOps: number;
  queueSendCalls: number;
  doCalls: number;
  subrequests: number;
}

export type CostBreakdown = Record<"workers" | "cpu" | "d1Reads" | "d1Writes" | "queues" | "durableObjects" | "total", number>;

/**
 * Dollars per million deliveries, for events of `deliveriesPerEvent` deliveries each. `cpuMs` is the
 * CPU time per delivery (event share included); Durable Object storage is counted as one row
 * written per call, an upper bound (a rate-limited admission writes its bucket; a healthy,
 * unlimited hook makes no call at all).
 */
export function dollarsPerMillionDeliveries(perEvent: Usage, perDelivery: Usage, deliveriesPerEvent: number, cpuMs = 0): CostBreakdown {
  const share = (u: keyof Usage) => perEvent[u] / deliveriesPerEvent + perDelivery[u];
  const workers = share("invocations") * PRICES.workerRequest.dollars;
  const cpu = cpuMs * PRICES.workerCpuMs.dollars;
  const d1Reads = share("d1RowsRead") * PRICES.d1RowRead.dollars;
  const d1Writes = share("d1RowsWritten") * PRICES.d1RowWritten.dollars;
  const queues = share("queueOps") * PRICES.queueOp.dollars;
  const durableObjects = share("doCalls") * (PRICES.doRequest.dollars + PRICES.doRowWritten.dollars);
  const total = workers + cpu + d1Reads + d1Writes + queues + durableObjects;
  const r = (n: number) => Math.round(n * 10_000) / 10_000;
  return { workers: r(workers), cpu: r(cpu), d1Reads: r(d1Reads), d1Writes: r(d1Writes), queues: r(queues), durableObjects: r(durableObjects), total: r(total) };
}
