import type { Api, PurgeProbe } from "../lib/api";
import { dollarsPerMillion, scaleUnits, subtractUnits, type CostBreakdown, type Units } from "../lib/prices";
import type { BenchReceiver } from "../lib/receiver";
import { paced, round, sleep } from "../lib/stats";

// (5) Cost, measured: events published through a router started with METRICS="true", every unit a
// bill counts read back from the router itself, per million deliveries at the public prices
// (../lib/prices.ts). Each scenario has its own account (so its own DeliveryLog object) and its own
// hooks, warmed up first (the account's day tables made, the ingest cache filled), then:
//   - the usage counters reset (src/observability/: Worker invocations, D1 round trips and rows,
//     queue messages written/read/acknowledged, RPC calls to DELIVERY_LOG and HOOK_STATE objects,
//     subrequests), the account's log usage read (`GET /v1/admin/metrics/log/{account}`:
//     DeliveryLog.usage, rows written by SQLite's own count and the database's bytes);
//   - N events published at a steady rate, every delivery received, the queue drained (every message
//     written acknowledged), then 2 s more: the log flushes its buffered first-try successes within
//     a second (src/log/first-successes.ts), and those rows must be in the count;
//   - the counters and the log usage read again: the differences are the run's.
// Scenarios: (a) events of one delivery, first attempt succeeds; (b) events of ten deliveries, all
// first attempts succeed; (c) events of one delivery where one in FAIL_EVERY fails its first attempt
// (HTTP 500, then succeeds at the retry): the extra cost of a failed attempt is (c) minus (a) per
// delivery, divided by the failed attempts; (d) the retention purge's own rows
// (`POST /v1/admin/metrics/log/{account}/purge`: a past day seeded, the log alarm's upkeep run once).

/** Payloads of about 1 KB (the storage figure is per delivery of a 1 KB payload). */
export const PAYLOAD_BYTES = 1024;
const FAIL_EVERY = 5;

export interface ScenarioResult {
  name: string;
  events: number;
  hooksPerEvent: number;
  deliveries: number;
  /** First attempts the receiver failed (HTTP 500). */
  failedAttempts: number;
  received: number;
  totals: Units;
  perDelivery: Units;
  /** D1 rows written per event (must be 0). */
  d1RowsWrittenPerEvent: number;
  cpuMsPerDelivery: number | null;
  dollars: CostBreakdown;
  /** DeliveryLog database bytes added per delivery (1 KB payloads). */
  bytesPerDelivery: number;
  bytesAdded: number;
  /** A DeliveryLog object restarted during the run (its rows-written count started again): the figure is not valid. */
  logRestarted: boolean;
  /** Set when the first run of the scenario failed and this is its second. */
  rerunBecause?: string;
}

export interface CostResult {
  single: ScenarioResult;
  fanout: ScenarioResult;
  failing: ScenarioResult;
  /** Per failed attempt: (c) minus (a) at (c)'s deliveries, divided by the failed attempts. */
  perFailedAttempt: Units;
  perFailedAttemptDollars: CostBreakdown;
  /** workerd CPU ms per failed attempt, extra; null when the difference is lost in the noise (≤ 0). */
  perFailedAttemptCpuMs: number | null;
  purge: PurgeProbe & { daysAgo: number; bytesPerEvent: number };
}

interface Opts {
  events: number;
  fanoutEvents: number;
  perSecond: number;
  purgeEvents: number;
  workerdCpuMs: () => number | null;
}

export async function measureCost(api: Api, rx: BenchReceiver, opts: Opts): Promise<CostResult> {
  const single = await retried(() => scenario(api, rx, opts, { name: "one delivery, first try succeeds", events: opts.events, hooks: 1 }));
  const fanout = await retried(() => scenario(api, rx, opts, { name: "ten deliveries, first tries succeed", events: opts.fanoutEvents, hooks: 10 }));
  const failing = await retried(() => scenario(api, rx, opts, { name: `one delivery, 1 in ${FAIL_EVERY} first tries fail`, events: opts.events, hooks: 1, failEvery: FAIL_EVERY }));
  const extra = subtractUnits(failing.totals, scaleUnits(single.perDelivery, failing.deliveries));
  const perFailedAttempt = roundUnits(scaleUnits(extra, 1 / Math.max(1, failing.failedAttempts)), 3);
  const cpuExtra =
    failing.cpuMsPerDelivery === null || single.cpuMsPerDelivery === null ? null : ((failing.cpuMsPerDelivery - single.cpuMsPerDelivery) * failing.deliveries) / Math.max(1, failing.failedAttempts);

  // (d) The retention purge: a day older than the account's retention (30 days) seeded, then purged.
  const { accountId } = await api.newAccount("bench-purge");
  const daysAgo = 40;
  const probe = await api.purgeProbe(accountId, { events: opts.purgeEvents, days_ago: daysAgo, payload_bytes: PAYLOAD_BYTES });
  return {
    single,
    fanout,
    failing,
    perFailedAttempt,
    perFailedAttemptDollars: dollarsPerMillion(perFailedAttempt, cpuExtra !== null && cpuExtra > 0 ? cpuExtra : null),
    perFailedAttemptCpuMs: cpuExtra !== null && cpuExtra > 0 ? round(cpuExtra, 2) : null,
    purge: { ...probe, daysAgo, bytesPerEvent: round((probe.database_bytes_before - probe.database_bytes_after) / probe.seeded_events, 1) },
  };
}

/**
 * A scenario whose run failed (a publish refused, a log object restarted: the isolate's counters
 * would be partial) runs again once, on a fresh account; the result says so.
 */
async function retried(run: () => Promise<ScenarioResult>): Promise<ScenarioResult> {
  let reason: string;
  try {
    const r = await run();
    if (!r.logRestarted) return r;
    reason = "a DeliveryLog object restarted during the run";
  } catch (error) {
    reason = String(error).slice(0, 300);
  }
  console.error(`[bench] cost scenario failed (${reason}); running it again`);
  return { ...(await run()), rerunBecause: reason };
}

/** About PAYLOAD_BYTES of JSON, with the publisher's clock in it. */
export function payloadOf(seq: number): Record<string, unknown> {
  const base = { seq, sent_at: Date.now(), pad: "" };
  const pad = PAYLOAD_BYTES - JSON.stringify(base).length;
  return { ...base, pad: "x".repeat(Math.max(0, pad)) };
}

async function scenario(api: Api, rx: BenchReceiver, opts: Opts, s: { name: string; events: number; hooks: number; failEvery?: number }): Promise<ScenarioResult> {
  const { accountId, key } = await api.newAccount(`bench-cost-${s.hooks}-${s.failEvery ?? 0}`);
  // Tags of this run alone: a scenario run again after a failure must not count the first run's receipts.
  const run = crypto.randomUUID().slice(0, 8);
  const tags = Array.from({ length: s.hooks }, (_, i) => `cost-${s.hooks}-${s.failEvery ?? 0}-${i}-${run}`);
  for (const tag of tags) await api.createHook(key, { url: rx.url(tag), events: ["bench.cost"] });
  for (let i = 0; i < 3; i++) await api.publish(key, "bench.cost", payloadOf(-1 - i));
  for (const tag of tags) await rx.waitFor(tag, 3, 30_000);
  await sleep(2000); // the warm-up's flush
  if (s.failEvery) for (const tag of tags) rx.failFirstTry(tag, s.failEvery);

  const logBefore = await api.logUsage(accountId);
  await api.resetMetrics();
  const cpuBefore = opts.workerdCpuMs();
  await paced(s.events, opts.perSecond, async (i) => {
    await api.publish(key, "bench.cost", payloadOf(i));
  });
  const deliveries = s.events * s.hooks;
  const deadline = Date.now() + 180_000;
  for (const tag of tags) await rx.waitFor(tag, s.events + 3, Math.max(1000, deadline - Date.now()));
  // The queue drained: every message written (by the publishes' leftovers, the retries) acknowledged.
  let counters = await api.metrics();
  while (counters["consumer.queue.messages_acked"]! < counters["api.queue.messages_written"]! + counters["consumer.queue.messages_written"]! && Date.now() < deadline) {
    await sleep(250);
    counters = await api.metrics();
  }
  await sleep(2000); // the last first-try successes' flush (within a second of the first one buffered)
  counters = await api.metrics();
  const cpuAfter = opts.workerdCpuMs();
  const logAfter = await api.logUsage(accountId);

  const c = (name: string) => (counters[`api.${name}`] ?? 0) + (counters[`consumer.${name}`] ?? 0);
  const totals: Units = {
    invocations: c("invocations") - c("metrics_requests"),
    d1RoundTrips: c("d1.round_trips"),
    d1RowsRead: c("d1.rows_read"),
    d1RowsWritten: c("d1.rows_written"),
    queueOps: c("queue.messages_written") + c("queue.messages_read") + c("queue.messages_acked"),
    logCalls: c("do.log_calls"),
    hookCalls: c("do.hook_calls"),
    logRowsWritten: logAfter.rowsWritten - logBefore.rowsWritten,
    subrequests: c("subrequests"),
  };
  const received = tags.reduce((n, tag) => n + new Set(rx.received(tag).map((r) => r.webhookId)).size, 0) - 3 * s.hooks;
  const failedAttempts = tags.reduce((n, tag) => n + rx.receipts.filter((r) => r.tag === tag && r.faulted).length, 0);
  const perDelivery = roundUnits(scaleUnits(totals, 1 / deliveries), 4);
  const cpuMsPerDelivery = cpuBefore === null || cpuAfter === null ? null : round((cpuAfter - cpuBefore) / deliveries, 2);
  const bytesAdded = logAfter.databaseBytes - logBefore.databaseBytes;
  return {
    name: s.name,
    events: s.events,
    hooksPerEvent: s.hooks,
    deliveries,
    failedAttempts,
    received,
    totals,
    perDelivery,
    d1RowsWrittenPerEvent: round(totals.d1RowsWritten / s.events, 3),
    cpuMsPerDelivery,
    dollars: dollarsPerMillion(perDelivery, cpuMsPerDelivery),
    bytesPerDelivery: round(bytesAdded / deliveries, 1),
    bytesAdded,
    logRestarted: logAfter.rowsWritten < logBefore.rowsWritten,
  };
}

function roundUnits(u: Units, digits: number): Units {
  const out = {} as Units;
  for (const k of Object.keys(u) as Array<keyof Units>) out[k] = round(u[k], digits);
  return out;
}
