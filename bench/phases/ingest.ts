import autocannon from "autocannon";
import type { Api } from "../lib/api";
import { round } from "../lib/stats";

// (1) Ingest: POST /v1/events with one matching hook, against the ceiling of the same server: a
// trivial authenticated route (GET /v1/hooks/name-available: the API-key check and one indexed read,
// the least any API route does). Same connections, same duration, same key, one after the other.
// Run against a router without a queue consumer (see RouterOptions.consumers): the ingest path
// alone, as on Cloudflare, where deliveries run in other invocations on other machines.

export interface IngestResult {
  connections: number;
  durationSeconds: number;
  ceilingRps: number;
  ingestRps: number;
  ratio: number;
  ingestLatencyP50Ms: number;
  ingestLatencyP99Ms: number;
  ceilingLatencyP50Ms: number;
  ceilingLatencyP99Ms: number;
  errors: number;
  /** Events accepted during the ingest run (their deliveries drain afterwards). */
  events: number;
}

export async function measureIngest(api: Api, opts: { connections: number; durationSeconds: number }): Promise<IngestResult> {
  const { key } = await api.newAccount("bench-ingest");
  // Never called: this router has no consumer.
  await api.createHook(key, { url: "http://127.0.0.1:9/ingest", events: ["bench.ingest"] });
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  const common = { connections: opts.connections, duration: opts.durationSeconds, headers };

  // Warm-up: the isolate, its caches and the D1 statements (not measured).
  await autocannon({ ...common, url: `${api.base}/v1/hooks/name-available?name=x`, duration: 2 });
  await autocannon({ ...common, url: `${api.base}/v1/events`, method: "POST", body: JSON.stringify({ type: "bench.ingest", payload: { warm: true } }), duration: 2 });

  const ceiling = await autocannon({ ...common, url: `${api.base}/v1/hooks/name-available?name=x` });
  const ingest = await autocannon({
    ...common,
    url: `${api.base}/v1/events`,
    method: "POST",
    body: JSON.stringify({ type: "bench.ingest", payload: { order: 42, items: ["a", "b"], note: "bench" } }),
  });
  const errors = ceiling.errors + ceiling.non2xx + ingest.errors + ingest.non2xx;
  return {
    connections: opts.connections,
    durationSeconds: opts.durationSeconds,
    ceilingRps: round(ceiling.requests.average),
    ingestRps: round(ingest.requests.average),
    ratio: round(ingest.requests.average / ceiling.requests.average, 2),
    ingestLatencyP50Ms: ingest.latency.p50,
    ingestLatencyP99Ms: ingest.latency.p99,
    ceilingLatencyP50Ms: ceiling.latency.p50,
    ceilingLatencyP99Ms: ceiling.latency.p99,
    errors,
    events: ingest["2xx"],
  };
}
