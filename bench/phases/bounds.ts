import type { Api } from "../lib/api";
import type { BenchReceiver } from "../lib/receiver";
import { percentile, pool } from "../lib/stats";

// (6) Response times the tests assert no bound on (a loaded test machine is no clock): they check
// order and outcome (gates called in parallel, a hung gate counted per its on_error, the stats'
// index-only query plans at 100,000 deliveries); how long these take is measured here.
//   - gates: one run of `parallelGates` gates that each approve after `gateDelayMs` (a parallel run
//     takes about one delay, a sequential one the sum), and one run of a gate that never answers,
//     ended by its `hungTimeoutMs` timeout;
//   - stats: GET /v1/stats and GET /v1/hooks/{id}/stats of an account once its `deliveries` were all
//     received (median of 5 reads each).

export interface BoundsResult {
  parallelGates: number;
  gateDelayMs: number;
  parallelGatesMs: number;
  hungTimeoutMs: number;
  hungGateMs: number;
  deliveries: number;
  accountStatsMs: number;
  hookStatsMs: number;
}

const GATES = 3;
const GATE_DELAY_MS = 1000;
const HUNG_TIMEOUT_MS = 800;
const STATS_HOOKS = 4;

async function timed(what: () => Promise<{ status: number; body: any }>, check: (body: any) => boolean): Promise<number> {
  const start = Date.now();
  const r = await what();
  const ms = Date.now() - start;
  if (r.status !== 200 || !check(r.body)) throw new Error(`unexpected answer: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
  return ms;
}

async function medianOf5(what: () => Promise<number>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) runs.push(await what());
  return percentile(runs, 50);
}

export async function measureBounds(api: Api, rx: BenchReceiver, events: number, timeoutMs: number): Promise<BoundsResult> {
  const { key } = await api.newAccount("bench-bounds");
  rx.makeGate("slow-gate", { delayMs: GATE_DELAY_MS });
  rx.makeGate("hung-gate", { hang: true });
  for (let i = 0; i < GATES; i++) await api.createHook(key, { url: rx.url("slow-gate"), events: ["bench.parallel"], phase: "pre", timeout_ms: 5 * GATE_DELAY_MS });
  await api.createHook(key, { url: rx.url("hung-gate"), events: ["bench.hung"], phase: "pre", timeout_ms: HUNG_TIMEOUT_MS, on_error: "approve" });
  const parallelGatesMs = await timed(
    () => api.call("POST", "/v1/gates/bench.parallel", key, { payload: {} }),
    (b) => b.approved === true && b.decisions.length === GATES && b.decisions.every((d: { error?: string }) => d.error === undefined),
  );
  const hungGateMs = await timed(
    () => api.call("POST", "/v1/gates/bench.hung", key, { payload: {} }),
    (b) => b.approved === true && b.decisions[0]?.error === `timed out after ${HUNG_TIMEOUT_MS} ms`,
  );

  const hooks: string[] = [];
  for (let i = 0; i < STATS_HOOKS; i++) hooks.push((await api.createHook(key, { url: rx.url(`stats${i}`), events: ["bench.stats"] })).id);
  await pool(events, 8, async (i) => {
    await api.publish(key, "bench.stats", { seq: i });
  });
  for (let i = 0; i < STATS_HOOKS; i++) await rx.waitFor(`stats${i}`, events, timeoutMs);
  const deliveries = events * STATS_HOOKS;
  const accountStatsMs = await medianOf5(() => timed(() => api.call("GET", "/v1/stats", key), (b) => b.totals.total === deliveries));
  const hookStatsMs = await medianOf5(() => timed(() => api.call("GET", `/v1/hooks/${hooks[0]}/stats`, key), (b) => b.totals.total === events));
  return { parallelGates: GATES, gateDelayMs: GATE_DELAY_MS, parallelGatesMs, hungTimeoutMs: HUNG_TIMEOUT_MS, hungGateMs, deliveries, accountStatsMs, hookStatsMs };
}
