import type { Api } from "../lib/api";
import { dollarsPerMillionDeliveries, type CostBreakdown, type Usage } from "../lib/prices";
import type { BenchReceiver } from "../lib/receiver";
import { paced, round, sleep } from "../lib/stats";

// (5) Cost: run N events (one matching, healthy, unlimited hook each: the common case) through a
// router started with METRICS="true" and read the usage counters (src/observability/): `api` counts
// are the events' (ingest), `consumer` counts the deliveries'. Turned into dollars at the public
// Workers Paid prices in ../lib/prices.ts.

export interface CostResult {
  events: number;
  deliveries: number;
  perEvent: Usage;
  perDelivery: Usage;
  /** workerd's CPU time over the run (user + system), per delivery: an upper bound of billed CPU. */
  cpuMsPerDelivery: number | null;
  breakdown: CostBreakdown;
  raw: Record<string, number>;
}

export async function measureCost(api: Api, rx: BenchReceiver, opts: { events: number; perSecond: number; workerdCpuMs: () => number | null }): Promise<CostResult> {
  const { key } = await api.newAccount("bench-cost");
  await api.createHook(key, { url: rx.url("cost"), events: ["bench.cost"] });
  for (let i = 0; i < 3; i++) await api.publish(key, "bench.cost", { warm: i });
  await rx.waitFor("cost", 3, 30_000);
  await sleep(1000); // the warm-up batches' writes and acknowledgements

  await api.resetMetrics();
  const cpuBefore = opts.workerdCpuMs();
  await paced(opts.events, opts.perSecond, async (i) => {
    await api.publish(key, "bench.cost", { seq: i, sent_at: Date.now() });
  });
  await rx.waitFor("cost", opts.events + 3, 120_000);
  // Every message acknowledged (after its outcome is written): the consumer's work is complete.
  const deadline = Date.now() + 60_000;
  let counters = await api.metrics();
  while ((counters["consumer.queue.messages_acked"] ?? 0) < opts.events && Date.now() < deadline) {
    await sleep(250);
    counters = await api.metrics();
  }
  const cpuAfter = opts.workerdCpuMs();
  const cpuMsPerDelivery = cpuBefore === null || cpuAfter === null ? null : round((cpuAfter - cpuBefore) / opts.events, 2);
  // The metrics reads themselves: admin-only, no D1; only their invocations are counted.
  const polls = counters["api.invocations"]! - opts.events;
  const perEvent = usageOf(counters, "api", opts.events, polls);
  const perDelivery = usageOf(counters, "consumer", opts.events, 0);
  return {
    events: opts.events,
    deliveries: opts.events,
    perEvent,
    perDelivery,
    cpuMsPerDelivery,
    breakdown: dollarsPerMillionDeliveries(perEvent, perDelivery, 1, cpuMsPerDelivery ?? 0),
    raw: counters,
  };
}

function usageOf(c: Record<string, number>, scope: "api" | "consumer", n: number, extraInvocations: number): Usage {
  const get = (name: string) => (c[`${scope}.${name}`] ?? 0) / n;
  return {
    invocations: round(((c[`${scope}.invocations`] ?? 0) - extraInvocations) / n, 3),
    d1RoundTrips: round(get("d1.round_trips"), 3),
    d1Statements: round(get("d1.statements"), 3),
    d1WriteStatements: round(get("d1.write_statements"), 3),
    d1RowsRead: round(get("d1.rows_read"), 2),
    d1RowsWritten: round(get("d1.rows_written"), 2),
    queueOps: round(get("queue.messages_written") + get("queue.messages_read") + get("queue.messages_acked"), 3),
    queueSendCalls: round(get("queue.send_calls"), 3),
    doCalls: round(get("do.calls"), 3),
    subrequests: round(get("subrequests"), 3),
  };
}
