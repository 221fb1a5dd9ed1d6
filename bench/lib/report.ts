import type { BoundsResult } from "../phases/bounds";
import type { ChaosResult } from "../phases/chaos";
import { PAYLOAD_BYTES, type CostResult, type ScenarioResult } from "../phases/cost";
import type { DeliveryRunResult } from "../phases/delivery";
import type { FanoutResult } from "../phases/fanout";
import type { FifoResult } from "../phases/fifo";
import type { IngestResult, QueuedIngestResult, ScaleResult } from "../phases/ingest";
import type { RateLimitResult } from "../phases/rate-limit";
import type { Machine } from "./machine";
import { PRICES, UNIT_NAMES, type CostBreakdown, type Units } from "./prices";

export interface Report {
  machine: Machine;
  quick: boolean;
  settings: { RETRY_SCHEDULE: string; DELIVERY_TIMEOUT_MS: number; CHAOS_DELIVERY_TIMEOUT_MS: number; chaos: { rate: number; slowMs: number }; consumerThrowRate: number };
  ingest: IngestResult;
  ingestQueued: QueuedIngestResult;
  scale: ScaleResult;
  burst: DeliveryRunResult;
  sustained: DeliveryRunResult;
  fanout: FanoutResult;
  rateLimit: RateLimitResult;
  fifo: FifoResult;
  bounds: BoundsResult;
  chaos: ChaosResult;
  cost: CostResult;
  consumerChaos: ChaosResult;
  /** How long the run waited for other `vitest` processes to end, and whether they had. */
  waitedForVitest?: { seconds: number; clear: boolean };
}

interface Row {
  figure: string;
  measured: string;
  target: string;
  /** true: met, false: missed, null: no target. */
  met: boolean | null;
  /** For a miss: by how much. */
  gap?: string;
  /** For a miss: why, as far as the bench can tell (see bench/README.md). */
  why?: string;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

function rows(r: Report): Row[] {
  const { ingest, ingestQueued, scale, burst, sustained, fanout, rateLimit, fifo, bounds, chaos, cost, consumerChaos } = r;
  const { single, fanout: ten, failing, perFailedAttemptDollars: failed, purge } = cost;
  // The success path: (a) and (b). A failure writes the hook's failing_since in D1 (shown in (c)).
  const d1PerEvent = Math.max(single.d1RowsWrittenPerEvent, ten.d1RowsWrittenPerEvent);
  const d1PerDelivery = Math.max(single.perDelivery.d1RowsWritten, ten.perDelivery.d1RowsWritten);
  return [
    ...ingestRows(ingest, ingestQueued),
    {
      figure: `Scale: ${scale.accounts} accounts × ${scale.connectionsPerAccount} publishers at once`,
      measured: `${scale.totalRps} events/s in total; per account ${scale.perAccountRps.join(" / ")} (p50 ${scale.p50Ms} ms, p99 ${scale.p99Ms} ms); ${deliveredText(scale.delivered, scale.events)}, ${scale.errors} errors`,
      target: "",
      met: null,
    },
    { figure: "D1 rows written per event / per delivery (cost (a) and (b): first attempts succeed)", measured: `${d1PerEvent} / ${d1PerDelivery}`, target: "0", met: d1PerEvent === 0 && d1PerDelivery === 0, gap: `${d1PerEvent} per event` },
    { figure: `Burst: ${burst.events} events to one hook`, measured: `${burst.deliveriesPerSecond} deliveries/s; p50 ${burst.p50Ms} / p95 ${burst.p95Ms} / p99 ${burst.p99Ms} ms (published at ${burst.publishedPerSecond}/s)`, target: "", met: null },
    { figure: `Sustained ${sustained.publishedPerSecond} events/s, publish-to-receipt`, measured: `p50 ${sustained.p50Ms} / p95 ${sustained.p95Ms} / p99 ${sustained.p99Ms} ms (max ${sustained.maxMs})`, target: "p99 < 1 s at 100/s", met: sustained.p99Ms < 1000 && sustained.received === sustained.events, gap: `p99 ${sustained.p99Ms - 1000} ms over`, why: WHY.latency },
    { figure: `Fan-out: one event to ${fanout.hooks} hooks, 202`, measured: `${fanout.acceptedMs} ms`, target: "< 1 s", met: fanout.acceptedMs < 1000, gap: `${fanout.acceptedMs - 1000} ms over` },
    { figure: "Fan-out: last receipt", measured: `${(fanout.lastReceiptMs / 1000).toFixed(1)} s (${fanout.received}/${fanout.hooks} received)`, target: "< 30 s, all", met: fanout.lastReceiptMs < 30_000 && fanout.received === fanout.hooks, gap: `${((fanout.lastReceiptMs - 30_000) / 1000).toFixed(1)} s over` },
    {
      figure: `Rate limit ${rateLimit.limitPerSecond}/s, ${rateLimit.events} events`,
      measured: `${rateLimit.receivedPerSecond}/s received over ${rateLimit.drainSeconds} s; worst 1-s window ${rateLimit.worstOneSecond}; ${rateLimit.received}/${rateLimit.events} received`,
      target: `≤ ${rateLimit.limitPerSecond} (+1) per second, none lost`,
      met: rateLimit.worstOneSecond <= rateLimit.limitPerSecond + 1 && rateLimit.received === rateLimit.events,
      gap: `worst window ${rateLimit.worstOneSecond - rateLimit.limitPerSecond - 1} over the limit + 1, ${rateLimit.events - rateLimit.received} lost`,
      why: WHY.rateLimit,
    },
    ...fifoRows(fifo),
    {
      figure: `Gates: ${bounds.parallelGates} gates of ${bounds.gateDelayMs} ms each, called in parallel`,
      measured: `${bounds.parallelGatesMs} ms`,
      target: `< ${bounds.gateDelayMs + 1000} ms`,
      met: bounds.parallelGatesMs < bounds.gateDelayMs + 1000,
      gap: `${bounds.parallelGatesMs - bounds.gateDelayMs - 1000} ms over`,
    },
    {
      figure: `Gates: a gate that never answers, ${bounds.hungTimeoutMs} ms timeout`,
      measured: `${bounds.hungGateMs} ms`,
      target: `< ${bounds.hungTimeoutMs + 1000} ms`,
      met: bounds.hungGateMs < bounds.hungTimeoutMs + 1000,
      gap: `${bounds.hungGateMs - bounds.hungTimeoutMs - 1000} ms over`,
    },
    {
      figure: `Stats at ${bounds.deliveries} deliveries: GET /v1/stats, GET /v1/hooks/{id}/stats (median of 5)`,
      measured: `${bounds.accountStatsMs} ms, ${bounds.hookStatsMs} ms`,
      target: "< 1 s each",
      met: bounds.accountStatsMs < 1000 && bounds.hookStatsMs < 1000,
      gap: `${Math.max(bounds.accountStatsMs, bounds.hookStatsMs) - 1000} ms over`,
    },
    chaosRow(chaos),
    chaosRow(consumerChaos),
    costRow(`Cost (a): events of one delivery, first attempt succeeds (${single.events} events)`, single, 2.0),
    costRow(`Cost (b): events of ten deliveries, all first attempts succeed (${ten.events} events)`, ten, 0.5),
    {
      figure: `Cost (c): one failed attempt, extra (${failing.failedAttempts} failed of ${failing.deliveries} deliveries)`,
      measured: `$${failed.total.toFixed(2)} per million failed attempts (${breakdownText(failed)}; ${cost.perFailedAttemptCpuMs === null ? "CPU: no difference measurable" : `+ CPU ≤ $${failed.cpu.toFixed(2)}`}); per failed attempt: ${cost.perFailedAttempt.logRowsWritten} log rows, ${cost.perFailedAttempt.d1RowsWritten} D1 rows, ${cost.perFailedAttempt.queueOps} queue operations, ${round2(cost.perFailedAttempt.logCalls + cost.perFailedAttempt.hookCalls)} DO RPCs`,
      target: "≤ $2.50",
      met: failed.total <= 2.5,
      gap: `$${(failed.total - 2.5).toFixed(2)} over`,
      why: WHY.failed,
    },
    {
      figure: `Retention purge: a day of ${purge.seeded_events} events (1 KB each) dropped`,
      measured: `${purge.purge_rows_written} rows written (${(purge.purge_rows_written / purge.seeded_events).toFixed(4)} per event); seeding wrote ${purge.seed_rows_written}; ${purge.database_bytes_before - purge.database_bytes_after} bytes freed${purge.seeded_event_kept ? "; SEEDED EVENT STILL THERE" : ""}`,
      target: "",
      met: null,
    },
    {
      figure: `Storage per delivery, ${PAYLOAD_BYTES}-byte payload (DeliveryLog database bytes)`,
      measured: `${single.bytesPerDelivery} B (events of one delivery; ${single.bytesAdded} B for ${single.deliveries}), ${ten.bytesPerDelivery} B (events of ten; ${ten.bytesAdded} B for ${ten.deliveries})`,
      target: "",
      met: null,
    },
  ];
}

function chaosRow(c: ChaosResult): Row {
  const faults = c.faults ? `; faults answered: ${Object.entries(c.faults).map(([k, v]) => `${k} ${v}`).join(", ")}` : "";
  return {
    figure: `Fault injection: ${c.scenario}, ${c.events} events`,
    measured: `${c.succeeded} succeeded, ${c.lost} lost, ${c.duplicates} duplicates at the receiver (${c.seconds} s)${faults}`,
    target: "all succeeded, 0 lost",
    met: c.lost === 0 && c.succeeded === c.events,
    gap: `${c.lost} lost`,
  };
}

/** Autocannon counts the answers within its duration; requests still in flight when it stops are delivered too. */
function deliveredText(delivered: number, accepted: number): string {
  if (delivered < accepted) return `${delivered}/${accepted} delivered`;
  return `all ${accepted} delivered${delivered > accepted ? ` (+${delivered - accepted} from requests in flight when the load stopped)` : ""}`;
}

function breakdownText(b: CostBreakdown): string {
  return `Workers $${b.workers.toFixed(2)}, DO requests $${b.doRequests.toFixed(2)}, DO rows $${b.doRowsWritten.toFixed(2)}, queues $${b.queues.toFixed(2)}, D1 writes $${b.d1Writes.toFixed(2)}, D1 reads $${b.d1Reads.toFixed(3)}`;
}

function costRow(figure: string, sc: ScenarioResult, target: number): Row {
  const valid = !sc.logRestarted && sc.received === sc.deliveries;
  return {
    figure,
    measured: `$${sc.dollars.total.toFixed(2)} per million deliveries (${breakdownText(sc.dollars)}; + CPU ≤ $${sc.dollars.cpu.toFixed(2)})${valid ? "" : ` [INVALID: ${sc.logRestarted ? "a log object restarted" : `${sc.received}/${sc.deliveries} received`}]`}${sc.rerunBecause ? ` (second run; the first failed: ${sc.rerunBecause})` : ""}`,
    target: `≤ $${target.toFixed(2)}`,
    met: valid && sc.dollars.total <= target,
    gap: `$${(sc.dollars.total - target).toFixed(2)} over`,
    why: costWhy(sc),
  };
}

function usageTable(cost: CostResult): string {
  const keys = Object.keys(UNIT_NAMES) as Array<keyof Units>;
  const lines = [`| per | ${keys.map((k) => UNIT_NAMES[k]).join(" | ")} | workerd CPU ms (upper bound) |`, `|---|${keys.map(() => "---|").join("")}---|`];
  const line = (name: string, u: Units, cpu: number | null) => `| ${name} | ${keys.map((k) => u[k]).join(" | ")} | ${cpu ?? "?"} |`;
  lines.push(
    line("delivery, (a) events of one delivery", cost.single.perDelivery, cost.single.cpuMsPerDelivery),
    line("delivery, (b) events of ten deliveries", cost.fanout.perDelivery, cost.fanout.cpuMsPerDelivery),
    line(`delivery, (c) 1 in ${Math.round(cost.failing.deliveries / Math.max(1, cost.failing.failedAttempts))} first tries failing`, cost.failing.perDelivery, cost.failing.cpuMsPerDelivery),
    line("failed attempt, extra ((c) − (a))", cost.perFailedAttempt, cost.perFailedAttemptCpuMs),
  );
  return lines.join("\n");
}

export function renderReport(r: Report): { table: string; markdown: string } {
  const all = rows(r);
  const status = (x: Row) => (x.met === null ? "" : x.met ? "met" : `MISSED (${x.gap})`);
  const width = Math.max(...all.map((x) => x.figure.length));
  const table = all.map((x) => `${x.figure.padEnd(width)}  ${x.measured}${x.met !== null ? `  [target ${x.target}: ${status(x)}]` : ""}`).join("\n");
  const m = r.machine;
  const md = [
    "# hookrouter benchmark results",
    "",
    "Written by `npm run bench` (bench/run.ts); bench/README.md explains each figure. Every figure comes from one run on this machine, under `wrangler dev --local`.",
    "",
    `- Date: ${m.date}`,
    `- Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB memory; load average at start ${m.loadAverageAtStart.join(" / ")} (the machine is shared: other work running at the same time lowers every rate)`,
    `- Versions: Node ${m.node}, wrangler ${m.wrangler}, workerd ${m.workerd}, autocannon ${m.autocannon}; hookrouter ${m.commit}`,
    `- Settings: RETRY_SCHEDULE=${r.settings.RETRY_SCHEDULE}, DELIVERY_TIMEOUT_MS=${r.settings.DELIVERY_TIMEOUT_MS}, autocannon ${r.ingest.connections} connections × ${r.ingest.durationSeconds} s, chaos receiver rate ${r.settings.chaos.rate} (slow = ${r.settings.chaos.slowMs} ms, DELIVERY_TIMEOUT_MS=${r.settings.CHAOS_DELIVERY_TIMEOUT_MS} on its router), CHAOS_CONSUMER_THROW_RATE=${r.settings.consumerThrowRate}`,
    "",
    "| figure | measured | target | |",
    "|---|---|---|---|",
    ...all.map((x) => `| ${x.figure} | ${x.measured} | ${x.target} | ${status(x)} |`),
    "",
    "## Billed units, measured",
    "",
    "Counted over whole runs through a router with METRICS=true (bench/phases/cost.ts), each scenario with its own account, divided by its deliveries: Worker invocations (publishes and queue-consumer batches, the bench's own metrics requests taken out), D1 round trips and rows (D1's own `meta` counts), queue messages written + read + deleted, RPC calls to the DeliveryLog and HookState objects (every call on a stub of either namespace, from the fetch handler, its waitUntil work and the consumer), the rows the account's DeliveryLog object wrote (the difference of `DeliveryLog.usage().rowsWritten` — SQLite's own count, every index entry included — read through `GET /v1/admin/metrics/log/{account}` after the log flushed its buffered first-try successes) and outbound subrequests. The CPU column is workerd's whole CPU time over the run per delivery (the local SQLite, Durable Objects and queue broker included), an upper bound of billed CPU.",
    "",
    usageTable(r.cost),
    "",
    "## Prices used",
    "",
    "Cloudflare Workers Paid, price beyond the monthly inclusions (so the marginal cost of one more delivery at any volume above them):",
    "",
    "| unit | price | source |",
    "|---|---|---|",
    ...Object.values(PRICES).map((p) => `| ${p.what} | $${p.dollars} per ${p.per} | ${p.source} |`),
    "",
    ...quotable(r.cost),
    "",
    "## Misses and why",
    "",
    ...missNotes(all),
    "",
    "## Ingest, and the first attempt's work",
    "",
    `The 0.3 target compares the ingest path with the runtime's own ceiling: measured as the D1 design's 0.08 was (the event's delivery queued, no consumer running), ${r.ingestQueued.ratioNoIo.toFixed(2)}. ${WHY.ingest}`,
    "",
    ...(r.waitedForVitest
      ? [
          "## Machine load",
          "",
          r.waitedForVitest.clear
            ? `The run waited ${r.waitedForVitest.seconds} s for other \`vitest\` processes on this machine to end before starting.`
            : `Other \`vitest\` processes were still running after ${r.waitedForVitest.seconds} s of waiting: the run started anyway, sharing the 2 cores with them (every rate here is lower for it).`,
          "",
        ]
      : []),
  ].join("\n");
  return { table, markdown: md };
}

/** What the numbers alone cannot say: the reasons behind each missed target (see bench/README.md). */
function missNotes(all: Row[]): string[] {
  const missed = all.filter((x) => x.met === false);
  if (missed.length === 0) return ["Every target was met in this run."];
  const notes: string[] = [];
  for (const x of missed) notes.push(`- **${x.figure}**: ${x.gap}. ${x.why ?? "See bench/README.md."}`);
  return notes;
}

const dollars = (n: number) => `$${n.toFixed(2)}`;

/** Where a scenario's dollars go (test/delivery/cost.test.ts pins the same counts per call path). */
function costWhy(sc: ScenarioResult): string {
  const u = sc.perDelivery;
  return (
    `Per delivery: ${u.invocations} Worker invocations, ${round2(u.logCalls + u.hookCalls)} Durable Object RPCs (${u.logCalls} to the log, ${u.hookCalls} to the hooks' objects), ${u.logRowsWritten} log rows written, ${u.queueOps} queue operations. ` +
    (sc.hooksPerEvent > 1
      ? "An event's first 6 deliveries are attempted by the publishing Worker; the other 4 of ten go through the queue (3 operations each, $1.20 per million of them) and a consumer batch (its jobs and outcomes RPCs, one HookState report per hook per batch)."
      : "The publish request, its 2 log RPCs (publish, the first attempt's outcomes) and its hook report are per event: one delivery pays them all.")
  );
}

const round2 = (n: number) => Math.round(n * 1000) / 1000;

/** The section docs quote: the measured figures, and one event of one delivery item by item. */
function quotable(cost: CostResult): string[] {
  const a = cost.single;
  const u = a.perDelivery;
  const p = PRICES;
  const item = (what: string, units: number, price: number, note: string) => `| ${what} | ${round2(units)} | $${(units * price).toFixed(3)} | ${note} |`;
  const flushShare = Math.max(0, u.logRowsWritten - 1);
  const storageMonth = (a.bytesPerDelivery / 1e9) * p.doStorage.dollars * 1e6;
  return [
    "## Cost at edge scale (quotable)",
    "",
    `Measured by \`npm run bench\` (this run), at the public Workers Paid prices beyond the monthly inclusions, per million deliveries; 1 KB payloads; CPU priced apart (an upper bound, see above).`,
    "",
    "| case | cost | target |",
    "|---|---|---|",
    `| (a) events of one delivery, first attempt succeeds | $${a.dollars.total.toFixed(2)} per million deliveries (+ CPU ≤ $${a.dollars.cpu.toFixed(2)}) | ≤ $2.00 |`,
    `| (b) events of ten deliveries, all first attempts succeed | $${cost.fanout.dollars.total.toFixed(2)} per million deliveries (+ CPU ≤ $${cost.fanout.dollars.cpu.toFixed(2)}) | ≤ $0.50 |`,
    `| (c) one failed attempt (then a success at the retry), extra | $${cost.perFailedAttemptDollars.total.toFixed(2)} per million failed attempts (${cost.perFailedAttemptCpuMs === null ? "CPU: no difference measurable" : `+ CPU ≤ $${cost.perFailedAttemptDollars.cpu.toFixed(2)}`}) | ≤ $2.50 |`,
    `| (d) retention purge of a day of ${cost.purge.seeded_events} events | ${cost.purge.purge_rows_written} rows written in all ($${((cost.purge.purge_rows_written * p.doRowWritten.dollars) / 1e6).toFixed(6)}) | |`,
    `| storage, 1 KB payload | ${a.bytesPerDelivery} B per delivery (events of one), ${cost.fanout.bytesPerDelivery} B (events of ten): $${storageMonth.toFixed(2)} per million deliveries per month kept (events of one) | |`,
    "",
    `D1 rows written: ${a.d1RowsWrittenPerEvent} per event, ${u.d1RowsWritten} per delivery. What one event of one delivery costs, item by item (measured in (a)):`,
    "",
    "| item | units per event | $ per million events | |",
    "|---|---|---|---|",
    item("Worker request (the publish; the first attempt runs in its waitUntil)", u.invocations, p.workerRequest.dollars, "per event"),
    item("DeliveryLog RPCs: `publish`, `recordOutcomes` of the first attempt", u.logCalls, p.doRequest.dollars, "per event"),
    item("HookState RPC: `recordAttempts` (circuit breaker)", u.hookCalls, p.doRequest.dollars, "per hook attempted"),
    item("DeliveryLog row: the event with its deliveries", 1, p.doRowWritten.dollars, "per event"),
    item("DeliveryLog row: first-try successes, one row per flush (per second) for all of them", flushShare, p.doRowWritten.dollars, `1 / (events per second per log object); here ${cost.single.events} events at 50/s`),
    item("Queue operations", u.queueOps, p.queueOp.dollars, "none when the first attempt succeeds"),
    item("D1 rows read (the API key)", u.d1RowsRead, p.d1RowRead.dollars, `${u.d1RoundTrips} round trips; 0 rows written`),
    item("Workers CPU (upper bound: all of workerd)", a.cpuMsPerDelivery ?? 0, p.workerCpuMs.dollars, "ms"),
    "",
    `The floor of this design for such an event is therefore $${(p.workerRequest.dollars + 3 * p.doRequest.dollars + p.doRowWritten.dollars).toFixed(2)} per million plus the flush row's share: the request ($${p.workerRequest.dollars.toFixed(2)}), three Durable Object requests ($${(3 * p.doRequest.dollars).toFixed(2)}) and the event's row ($${p.doRowWritten.dollars.toFixed(2)}). ` +
      "Per log object and not per event: the alarm, set once (a row) and run at least hourly (a request and a setAlarm row each time: about $0.001 per object-month), and the Durable Objects' duration (GB-s), which the bench does not meter.",
  ];
}

/** Ingest against the runtime's own ceiling (bench/phases/ingest.ts). */
export function ingestRows(ingest: IngestResult, queued: QueuedIngestResult): Row[] {
  return [
    { figure: `No-I/O route: unknown path, 404 through the whole middleware stack (${ingest.connections} connections)`, measured: rateText(ingest.notFound, "req"), target: "the ceiling", met: null },
    { figure: "GET /health (one D1 round trip)", measured: rateText(ingest.health, "req"), target: "", met: null },
    { figure: "Trivial authenticated route (GET /v1/hooks/name-available)", measured: rateText(ingest.trivial, "req"), target: "", met: null },
    {
      figure: "Ingest POST /v1/events, one matching hook (first attempt made by the publishing Worker)",
      measured: `${rateText(ingest.ingest, "events")}; ${deliveredText(ingest.delivered, ingest.events)}`,
      target: "",
      met: null,
    },
    { figure: "Ingest of an event no hook matches (the log's write alone, no delivery)", measured: `${rateText(ingest.ingestNoHook, "events")}; / no-I/O route ${ingest.ratioNoHookNoIo.toFixed(2)}`, target: "", met: null },
    {
      figure: "Ingest / no-I/O route: the ingest path (one matching hook, its delivery queued: FIRST_ATTEMPTS_BY_PUBLISHER=false, a router of its own, measured as the D1 design's 0.08 was)",
      measured: `${queued.ratioNoIo.toFixed(2)} (${rateText(queued.ingest, "events")} against ${rateText(queued.notFound, "req")}; ${queued.errors} errors)`,
      target: "≥ 0.3 (D1 design: 0.08)",
      met: queued.ratioNoIo >= 0.3 && queued.errors === 0,
      gap: `${(0.3 - queued.ratioNoIo).toFixed(2)} short`,
    },
    { figure: "Ingest / no-I/O route with the first attempt made by the publishing Worker (the default), its delivery's work on the same 2 cores", measured: ingest.ratioNoIo.toFixed(2), target: "(see below)", met: null },
    { figure: "Ingest / trivial authenticated route", measured: pct(ingest.ratioTrivial), target: "≥ 50%", met: ingest.ratioTrivial >= 0.5, gap: `${Math.round((0.5 - ingest.ratioTrivial) * 100)} points short`, why: WHY.ingest },
  ];
}

const rateText = (x: { rps: number; p50Ms: number; p99Ms: number }, unit: string) => `${x.rps} ${unit}/s (p50 ${x.p50Ms} ms, p99 ${x.p99Ms} ms)`;

/** A FIFO hook's throughput (bench/phases/fifo.ts): one delivery at a time, in publish order. */
export function fifoRows(fifo: FifoResult): Row[] {
  const { clean, failingFirstTries: failing } = fifo;
  const measured = (f: FifoResult["clean"]) => `${f.perSecond} deliveries/s over ${f.drainSeconds} s; ${f.received}/${f.events} received, ${f.inOrder ? "in publish order" : "OUT OF ORDER"}`;
  return [
    { figure: `FIFO hook: ${clean.events} events, one at a time`, measured: measured(clean), target: "in publish order, none lost", met: clean.inOrder && clean.received === clean.events },
    { figure: `FIFO hook: 1 in ${failing.every} first tries failing`, measured: measured(failing), target: "in publish order, none lost", met: failing.inOrder && failing.received === failing.events },
  ];
}

const WHY = {
  ingest:
    "With the first attempt on (the default), the ingest request does what the trivial route does (authenticate: one D1 read) plus the event's write (one RPC to the account's DeliveryLog object, one SQLite row) and, after its answer (waitUntil), the first attempt: the hooks' read, an outgoing request to the receiver, the outcome RPC and the hook's report. Under `wrangler dev` all of it, the load generator and the receiver share the machine's 2 cores (the receiver even runs on autocannon's own event loop, in the bench's process), where on Cloudflare the delivery's request is a wait, not work, and the receiver is elsewhere: the row \"Ingest of an event no hook matches\" shows the rate without the delivery. The ratio also depends on what else runs on the machine.",
  failed:
    "The figure is everything a delivery whose first try fails costs beyond one that succeeds at once, until it succeeds at its retry. A failed first attempt costs its outcome written into the event's row and its attempt row, the retry's queue message (3 operations), a share of a consumer invocation, the consumer's log RPCs (jobs, outcomes) and the hook's RPCs (admit: a hook with a failure streak is asked before sending; its report), and the retry's success written into the event's row with its attempt row (a success after a failure does not take the first-success path): 4 log rows; in D1, the hook's failing_since is set by the failure and cleared by the success (test/delivery/cost.test.ts: \"a hook's first failure one conditional hook update in D1\"); the hook's breaker state is also written twice in its HookState object (kv.put on each change: not metered here, see bench/README.md).",
  rateLimit:
    "The token bucket (the hook's Durable Object) spaces the grants 1/limit apart, and a grant due within a second is slept for in the consumer (src/delivery/admission.ts) before sending. On a loaded machine the local runtime's timers fire late and then in bunches (gaps of 0–155 ms around a 50 ms spacing were measured), so a one-second window at the receiver can hold a grant or two more. Seen with 25-delivery batches while other work loaded the machine (22–25 in a window); sleeping until the grant's absolute time instead did not help.",
  latency:
    "Locally, Miniflare's queue broker hands out one batch at a time (no max_concurrency), and the batch timeout (0.2 s) adds to every delivery.",
};
