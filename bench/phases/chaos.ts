import type { ChaosOptions } from "../../test/setup/chaos";
import type { Api } from "../lib/api";
import type { BenchReceiver } from "../lib/receiver";
import { pool, sleep } from "../lib/stats";

// Fault injection at scale. Every delivery must end `succeeded` and reach the receiver; none may be
// lost. At-least-once allows duplicates (a request the receiver answered 200 for a delivery it had
// already accepted): they are counted.

export interface ChaosResult {
  scenario: string;
  events: number;
  /** Deliveries that reached the receiver (answered 200), distinct. */
  received: number;
  succeeded: number;
  /** Deliveries not `succeeded` when the run ended, or never received. */
  lost: number;
  statuses: Record<string, number>;
  duplicates: number;
  /** Requests the receiver answered with a fault (chaos receiver only). */
  faults: Record<string, number> | null;
  seconds: number;
}

/** A receiver that answers 500, hangs, resets or answers slowly for `options.rate` of requests. */
export async function chaosReceiver(api: Api, rx: BenchReceiver, events: number, options: ChaosOptions, timeoutMs: number): Promise<ChaosResult> {
  const chaos = rx.makeChaotic("chaos", options);
  const r = await run(api, rx, "chaos", events, timeoutMs, "receiver: 30% 500 / hang / reset / slow");
  return { ...r, faults: { ...chaos.tally } };
}

/** A healthy receiver, behind a consumer that throws for some batches (CHAOS_CONSUMER_THROW_RATE). */
export async function chaosConsumer(api: Api, rx: BenchReceiver, events: number, rate: number, timeoutMs: number): Promise<ChaosResult> {
  return { ...(await run(api, rx, "consumer-chaos", events, timeoutMs, `consumer throws for ${Math.round(rate * 100)}% of batches`)), faults: null };
}

async function run(api: Api, rx: BenchReceiver, tag: string, events: number, timeoutMs: number, scenario: string): Promise<Omit<ChaosResult, "faults">> {
  const { key } = await api.newAccount(`bench-${tag}`);
  await api.createHook(key, { url: rx.url(tag), events: ["bench.chaos"] });
  const start = Date.now();
  await pool(events, 16, async (i) => {
    await api.publish(key, "bench.chaos", { seq: i, sent_at: Date.now() });
  });
  await rx.waitFor(tag, events, timeoutMs);
  // Received is not yet recorded: wait until every delivery's outcome is in D1.
  let statuses = await api.deliveryStatuses(key);
  while ((statuses.succeeded ?? 0) < events && Date.now() - start < timeoutMs) {
    await sleep(1000);
    statuses = await api.deliveryStatuses(key);
  }
  const got = rx.received(tag);
  const distinct = new Set(got.map((r) => r.webhookId));
  const succeeded = statuses.succeeded ?? 0;
  return {
    scenario,
    events,
    received: distinct.size,
    succeeded,
    lost: events - Math.min(succeeded, distinct.size),
    statuses,
    duplicates: got.length - distinct.size,
    seconds: Math.round((Date.now() - start) / 1000),
  };
}
