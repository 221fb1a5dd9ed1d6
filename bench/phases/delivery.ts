import type { Api } from "../lib/api";
import type { BenchReceiver, Receipt } from "../lib/receiver";
import { paced, percentile, pool, round } from "../lib/stats";

// (2) Delivery: events to one healthy hook; publish-to-receipt latency is the receiver's arrival
// time minus the `sent_at` the publisher put in the payload just before its POST (one clock).
// Two runs: a burst (N events as fast as 16 publishers can send them: the drain rate is the
// router's delivery throughput) and a sustained rate (the latency a steady producer sees).

export interface DeliveryRunResult {
  events: number;
  /** Publishing rate achieved (events/s). */
  publishedPerSecond: number;
  /** Distinct deliveries received per second, first publish to last receipt. */
  deliveriesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  received: number;
  duplicates: number;
}

export async function measureBurst(api: Api, rx: BenchReceiver, events: number, timeoutMs: number): Promise<DeliveryRunResult> {
  const { key, tag } = await hookFor(api, rx, "burst");
  const start = Date.now();
  await pool(events, 16, async (i) => {
    await api.publish(key, "bench.delivery", { seq: i, sent_at: Date.now() });
  });
  const published = Date.now();
  const got = await rx.waitFor(tag, events, timeoutMs);
  return summarize(got, events, start, published);
}

export async function measureSustained(api: Api, rx: BenchReceiver, perSecond: number, seconds: number, timeoutMs: number): Promise<DeliveryRunResult> {
  const { key, tag } = await hookFor(api, rx, `sustained${perSecond}`);
  const events = perSecond * seconds;
  const start = Date.now();
  await paced(events, perSecond, async (i) => {
    await api.publish(key, "bench.delivery", { seq: i, sent_at: Date.now() });
  });
  const published = Date.now();
  const got = await rx.waitFor(tag, events, timeoutMs);
  return summarize(got, events, start, published);
}

async function hookFor(api: Api, rx: BenchReceiver, tag: string) {
  const { key } = await api.newAccount(`bench-${tag}`);
  await api.createHook(key, { url: rx.url(tag), events: ["bench.delivery"] });
  return { key, tag };
}

function summarize(got: Receipt[], events: number, start: number, published: number): DeliveryRunResult {
  const first = new Map<string, Receipt>();
  for (const r of got) if (!first.has(r.webhookId)) first.set(r.webhookId, r);
  const latencies = [...first.values()].flatMap((r) => (r.sentAt === null ? [] : [r.at - r.sentAt]));
  const last = Math.max(...[...first.values()].map((r) => r.at));
  return {
    events,
    publishedPerSecond: round(events / ((published - start) / 1000)),
    deliveriesPerSecond: round(first.size / ((last - start) / 1000)),
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(...latencies),
    received: first.size,
    duplicates: got.length - first.size,
  };
}
