import type { BoundsResult } from "../phases/bounds";
import type { ChaosResult } from "../phases/chaos";
import type { CostResult } from "../phases/cost";
import type { DeliveryRunResult } from "../phases/delivery";
import type { FanoutResult } from "../phases/fanout";
import type { IngestResult } from "../phases/ingest";
import type { RateLimitResult } from "../phases/rate-limit";
import type { Machine } from "./machine";
import { PRICES, type Usage } from "./prices";

export interface Report {
  machine: Machine;
  quick: boolean;
  settings: { RETRY_SCHEDULE: string; DELIVERY_TIMEOUT_MS: number; CHAOS_DELIVERY_TIMEOUT_MS: number; chaos: { rate: number; slowMs: number }; consumerThrowRate: number };
  ingest: IngestResult;
  burst: DeliveryRunResult;
  sustained: DeliveryRunResult;
  fanout: FanoutResult;
  rateLimit: RateLimitResult;
  bounds: BoundsResult;
  chaos: ChaosResult;
  cost: CostResult;
  consumerChaos: ChaosResult;
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
  const { ingest, burst, sustained, fanout, rateLimit, bounds, chaos, cost, consumerChaos } = r;
  const perMillion = cost.breakdown.total;
  const ingestTrips = cost.perEvent.d1RoundTrips;
  const writesPerAttempt = cost.perDelivery.d1WriteStatements;
  return [
    { figure: "Trivial authenticated route (GET /v1/hooks/name-available)", measured: `${ingest.ceilingRps} req/s (p50 ${ingest.ceilingLatencyP50Ms} ms)`, target: "the ceiling", met: null },
    { figure: "Ingest POST /v1/events, one matching hook", measured: `${ingest.ingestRps} events/s (p50 ${ingest.ingestLatencyP50Ms} ms, p99 ${ingest.ingestLatencyP99Ms} ms)`, target: "", met: null },
    { figure: "Ingest / ceiling", measured: pct(ingest.ratio), target: "≥ 50%", met: ingest.ratio >= 0.5, gap: `${Math.round((0.5 - ingest.ratio) * 100)} points short`, why: WHY.ingest },
    { figure: "D1 round trips per ingest (warm cache)", measured: String(ingestTrips), target: "≤ 2", met: ingestTrips <= 2, gap: `${ingestTrips - 2} over` },
    { figure: "D1 write statements per delivery attempt", measured: writesPerAttempt.toFixed(2), target: "≤ 1", met: writesPerAttempt <= 1 },
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
    {
      figure: "Cost per million deliveries (1 hook per event, marginal Workers Paid prices)",
      measured: `$${perMillion.toFixed(2)} (D1 writes $${cost.breakdown.d1Writes.toFixed(2)}, queues $${cost.breakdown.queues.toFixed(2)}, Workers $${cost.breakdown.workers.toFixed(2)}, CPU ≤ $${cost.breakdown.cpu.toFixed(2)}, D1 reads $${cost.breakdown.d1Reads.toFixed(3)}, DO $${cost.breakdown.durableObjects.toFixed(2)})`,
      target: "< $1",
      met: perMillion < 1,
      gap: `$${(perMillion - 1).toFixed(2)} over`,
      why: costWhy(cost),
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

function usageTable(cost: CostResult): string {
  const lines = [
    "| per | invocations | D1 round trips | D1 statements (writes) | D1 rows read | D1 rows written | queue ops | queue send calls | DO calls | subrequests |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const line = (name: string, u: Usage) =>
    `| ${name} | ${u.invocations} | ${u.d1RoundTrips} | ${u.d1Statements} (${u.d1WriteStatements}) | ${u.d1RowsRead} | ${u.d1RowsWritten} | ${u.queueOps} | ${u.queueSendCalls} | ${u.doCalls} | ${u.subrequests} |`;
  lines.push(line("event (ingest)", cost.perEvent), line("delivery (consumer)", cost.perDelivery));
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
    "## Billed units per event and per delivery",
    "",
    `Counted by the metered bindings (METRICS=true, src/observability/) over ${r.cost.events} events of one delivery each; workerd's CPU time over the run was ${r.cost.cpuMsPerDelivery ?? "?"} ms per delivery (everything the local runtime did — D1's SQLite, the queue broker, the receiver's sockets — so an upper bound of billed CPU).`,
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
    `Cost per million deliveries: ${Object.entries(r.cost.breakdown).map(([k, v]) => `${k} $${v}`).join(", ")}.`,
    "",
    "## Misses and why",
    "",
    ...missNotes(all),
    "",
    "## The floor",
    "",
    ...floorNotes(r.cost),
    "",
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

/** Why the cost is what it is, with this run's rows written (test/delivery/cost.test.ts pins the same counts). */
function costWhy(cost: CostResult): string {
  const { perEvent, perDelivery } = cost;
  return (
    `D1 bills ${dollars(PRICES.d1RowWritten.dollars)} per million rows written and counts every index entry written as a row: an event of one delivery writes ${perEvent.d1RowsWritten} ` +
    "(the event: its row, its key's index and its type index; the delivery: its row, which is its id key, and its entries in the account, event, hook and stats indexes), " +
    `and each attempt ${perDelivery.d1RowsWritten} more (the attempt's row, keyed by delivery and number with no index beside it; the delivery's update: its row and its entry in the stats index, the one index that holds the status). ` +
    `Each delivery is also one queue message: written, read and deleted, 3 operations, ${dollars(3 * PRICES.queueOp.dollars)} per million on their own. ` +
    "The floor below says why < $1 cannot be reached with one delivery per event."
  );
}

/** The least this design can cost per delivery at PRICES, and what it would take to go under $1. */
function floorNotes(cost: CostResult): string[] {
  const request = PRICES.workerRequest.dollars;
  const queue = 3 * PRICES.queueOp.dollars;
  const row = PRICES.d1RowWritten.dollars;
  const measured = Math.round((cost.perEvent.d1RowsWritten + cost.perDelivery.d1RowsWritten) * 100) / 100;
  return [
    `For events of one delivery whose first attempt succeeds, this design cannot cost less than ${dollars(request + queue + 3 * row)} per million deliveries at these prices: ` +
      `the ingest request (${dollars(request)}), the delivery's queue message written, read and deleted (3 operations, ${dollars(queue)}), ` +
      `and at least one D1 row for each of the event, the delivery and the attempt (${dollars(3 * row)}); CPU, the consumer's invocations (one per batch of up to 25) and every index entry come on top. ` +
      `This run wrote ${measured} rows per delivery (${cost.perEvent.d1RowsWritten} at ingest, ${cost.perDelivery.d1RowsWritten} per attempt): the ${Math.round((measured - 3) * 100) / 100} beyond those three are the index entries ` +
      "that keep every API query an index read (an account's, an event's and a hook's deliveries, events by type, the stats) and the stats entry rewritten when the delivery's status changes.",
    "",
    `So < $1 is out of reach with one delivery per event, whatever the indexes: the queue message alone is ${dollars(queue)}, and one row per delivery ${dollars(row)}. ` +
      "Going under it takes another design: fewer than 3 queue operations per delivery (several deliveries per message, such as one message for an event's whole fan-out, " +
      "or a first attempt made from the ingest request itself and queued only when it fails) and less than one D1 row per delivery on the success path " +
      "(an event's deliveries and their first outcomes kept in one row, attempt rows stored for failures only). " +
      `Even then the ingest request and the event's own row are ${dollars(request + row)} per million events, so only events of several deliveries each could come under $1 per delivery.`,
  ];
}

const WHY = {
  ingest:
    "The ingest request does what the trivial route does (authenticate, one D1 read) plus a D1 write transaction and a queue send; under `wrangler dev` it shares the machine's 2 cores with the load generator (this phase's router has no queue consumer: the events' deliveries wait, see bench/lib/router.ts), so the ratio also depends on what else runs.",
  rateLimit:
    "The token bucket (the hook's Durable Object) spaces the grants 1/limit apart, and a grant due within a second is slept for in the consumer (src/delivery/admission.ts) before sending. On a loaded machine the local runtime's timers fire late and then in bunches (gaps of 0–155 ms around a 50 ms spacing were measured), so a one-second window at the receiver can hold a grant or two more. Seen with 25-delivery batches while other work loaded the machine (22–25 in a window); sleeping until the grant's absolute time instead did not help.",
  latency:
    "Locally, Miniflare's queue broker hands out one batch at a time (no max_concurrency), and the batch timeout (0.2 s) adds to every delivery.",
};
