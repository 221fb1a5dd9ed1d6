import autocannon from "autocannon";
import type { Api } from "../lib/api";
import type { BenchReceiver } from "../lib/receiver";
import { round, sleep } from "../lib/stats";

// (1) Ingest: POST /v1/events with one matching hook, against two references on the same server,
// with the same connections, duration and key, one after the other:
//   - a route that does no I/O at all: an unknown path (`GET /v1/no-such-route`), answered 404 after
//     the whole middleware stack (request id, log context, security headers, config, CORS, body
//     limit) — the most this server can answer;
//   - the trivial authenticated route (`GET /v1/hooks/name-available`: the API-key check, one D1
//     read, the per-key rate limit, one indexed read) — the least any API route does;
//   - and `/health` (one D1 round trip) for reference.
// The hook delivers to the bench receiver: since the publishing Worker makes the first attempt
// itself (src/delivery/first-attempt.ts, under waitUntil), an event's delivery is part of its ingest
// request's work, as it will be on Cloudflare. The router has no queue consumer (see
// RouterOptions.consumers): nothing goes through the queue when the first attempt succeeds.
//
// (2) The same ingest on a router with FIRST_ATTEMPTS_BY_PUBLISHER=false: the event's delivery is
// queued (and, with no consumer, waits there), so the request is the ingest path alone, measured as
// the D1 design's 0.08 was (its deliveries were queued too): against its own 404 run on that router.
//
// (3) Scale: then several accounts publish at once, each with its own publishers (autocannon
// instances running together), to its own hook: events/s in total and per account. Each account has
// its own DeliveryLog object, so they share no writer (only the two cores of this machine).

export interface Rate {
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export interface IngestResult {
  connections: number;
  durationSeconds: number;
  notFound: Rate;
  health: Rate;
  trivial: Rate;
  ingest: Rate;
  /** The same POST for an event no hook matches: the log's write alone, no delivery. */
  ingestNoHook: Rate;
  /** ingest / 404 (no-I/O route). */
  ratioNoIo: number;
  /** ingest / trivial authenticated route. */
  ratioTrivial: number;
  /** ingest without a delivery / 404. */
  ratioNoHookNoIo: number;
  errors: number;
  /** Events accepted during the ingest run, and how many of their deliveries the receiver got. */
  events: number;
  delivered: number;
}

export interface QueuedIngestResult {
  notFound: Rate;
  ingest: Rate;
  /** ingest / 404 (no-I/O route), both on this router. */
  ratioNoIo: number;
  errors: number;
  events: number;
}

export interface ScaleResult {
  accounts: number;
  connectionsPerAccount: number;
  durationSeconds: number;
  totalRps: number;
  perAccountRps: number[];
  p50Ms: number;
  p99Ms: number;
  errors: number;
  events: number;
  delivered: number;
}

const rate = (r: autocannon.Result): Rate => ({ rps: round(r.requests.average), p50Ms: r.latency.p50, p99Ms: r.latency.p99 });
const eventBody = JSON.stringify({ type: "bench.ingest", payload: { order: 42, items: ["a", "b"], note: "bench" } });

export async function measureIngest(api: Api, rx: BenchReceiver, opts: { connections: number; durationSeconds: number }): Promise<IngestResult> {
  const { key } = await api.newAccount("bench-ingest");
  await api.createHook(key, { url: rx.url("ingest"), events: ["bench.ingest"] });
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  const common = { connections: opts.connections, duration: opts.durationSeconds, headers };
  const notFoundUrl = `${api.base}/v1/no-such-route`;
  const trivialUrl = `${api.base}/v1/hooks/name-available?name=x`;

  // Warm-up: the isolate, its caches, the D1 statements, the log object (not measured).
  await autocannon({ ...common, url: notFoundUrl, duration: 2 });
  await autocannon({ ...common, url: trivialUrl, duration: 2 });
  await autocannon({ ...common, url: `${api.base}/v1/events`, method: "POST", body: eventBody, duration: 2 });
  await sleep(1000);
  const warmReceived = new Set(rx.received("ingest").map((r) => r.webhookId)).size;

  const notFound = await autocannon({ ...common, url: notFoundUrl });
  const health = await autocannon({ ...common, url: `${api.base}/health` });
  const trivial = await autocannon({ ...common, url: trivialUrl });
  const ingest = await autocannon({ ...common, url: `${api.base}/v1/events`, method: "POST", body: eventBody });
  const events = ingest["2xx"];
  const ingestNoHook = await autocannon({ ...common, url: `${api.base}/v1/events`, method: "POST", body: JSON.stringify({ type: "bench.nohook", payload: { order: 42, items: ["a", "b"], note: "bench" } }) });
  const delivered = new Set((await rx.waitFor("ingest", warmReceived + events, 30_000)).map((r) => r.webhookId)).size - warmReceived;
  const errors = ingestNoHook.errors + ingestNoHook.non2xx + trivial.errors + trivial.non2xx + ingest.errors + ingest.non2xx + health.errors + health.non2xx + notFound.errors + (notFound["2xx"] > 0 ? notFound["2xx"] : 0);
  return {
    connections: opts.connections,
    durationSeconds: opts.durationSeconds,
    notFound: rate(notFound),
    health: rate(health),
    trivial: rate(trivial),
    ingest: rate(ingest),
    ingestNoHook: rate(ingestNoHook),
    ratioNoHookNoIo: round(ingestNoHook.requests.average / notFound.requests.average, 3),
    ratioNoIo: round(ingest.requests.average / notFound.requests.average, 3),
    ratioTrivial: round(ingest.requests.average / trivial.requests.average, 2),
    errors,
    events,
    delivered,
  };
}

/** (2): on a router whose publishes queue every delivery (FIRST_ATTEMPTS_BY_PUBLISHER=false). */
export async function measureQueuedIngest(api: Api, rx: BenchReceiver, opts: { connections: number; durationSeconds: number }): Promise<QueuedIngestResult> {
  const { key } = await api.newAccount("bench-ingest-queued");
  await api.createHook(key, { url: rx.url("ingest-queued"), events: ["bench.ingest"] });
  const common = { connections: opts.connections, duration: opts.durationSeconds, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } };
  const notFoundUrl = `${api.base}/v1/no-such-route`;
  const ingestRequest = { url: `${api.base}/v1/events`, method: "POST" as const, body: eventBody };
  await autocannon({ ...common, url: notFoundUrl, duration: 2 });
  await autocannon({ ...common, ...ingestRequest, duration: 2 });
  const notFound = await autocannon({ ...common, url: notFoundUrl });
  const ingest = await autocannon({ ...common, ...ingestRequest });
  return {
    notFound: rate(notFound),
    ingest: rate(ingest),
    ratioNoIo: round(ingest.requests.average / notFound.requests.average, 3),
    errors: notFound.errors + (notFound["2xx"] > 0 ? notFound["2xx"] : 0) + ingest.errors + ingest.non2xx,
    events: ingest["2xx"],
  };
}

export async function measureScale(api: Api, rx: BenchReceiver, opts: { accounts: number; connectionsPerAccount: number; durationSeconds: number }): Promise<ScaleResult> {
  const accounts: Array<{ key: string; tag: string }> = [];
  for (let i = 0; i < opts.accounts; i++) {
    const { key } = await api.newAccount(`bench-scale-${i}`);
    const tag = `scale-${i}`;
    await api.createHook(key, { url: rx.url(tag), events: ["bench.ingest"] });
    accounts.push({ key, tag });
  }
  const run = (duration: number) =>
    Promise.all(
      accounts.map((a) =>
        autocannon({
          connections: opts.connectionsPerAccount,
          duration,
          url: `${api.base}/v1/events`,
          method: "POST",
          headers: { authorization: `Bearer ${a.key}`, "content-type": "application/json" },
          body: eventBody,
        }),
      ),
    );
  await run(2); // warm-up: each account's log object and ingest cache
  await sleep(1000);
  const before = accounts.map((a) => new Set(rx.received(a.tag).map((r) => r.webhookId)).size);
  const results = await run(opts.durationSeconds);
  let delivered = 0;
  for (const [i, a] of accounts.entries()) {
    delivered += new Set((await rx.waitFor(a.tag, before[i]! + results[i]!["2xx"], 30_000)).map((r) => r.webhookId)).size - before[i]!;
  }
  const perAccountRps = results.map((r) => round(r.requests.average));
  return {
    accounts: opts.accounts,
    connectionsPerAccount: opts.connectionsPerAccount,
    durationSeconds: opts.durationSeconds,
    totalRps: round(results.reduce((n, r) => n + r.requests.average, 0)),
    perAccountRps,
    p50Ms: Math.max(...results.map((r) => r.latency.p50)),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
    errors: results.reduce((n, r) => n + r.errors + r.non2xx, 0),
    events: results.reduce((n, r) => n + r["2xx"], 0),
    delivered,
  };
}
