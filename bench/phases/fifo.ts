import type { Api } from "../lib/api";
import type { BenchReceiver, Receipt } from "../lib/receiver";
import { round } from "../lib/stats";
import { deliveryIdOf } from "../../src/domain/log-ids";

// (FIFO) Ordered delivery's throughput: a hook with `ordering: "fifo"` gets one delivery at a time,
// each sent only once the one before it ended (src/delivery/fifo.ts), so its rate is one delivery per
// round trip: the head's queue message, its turn checked in the hook's object, the send, the outcome
// in the log, the line moved on. Measured twice: every first try succeeding, and one delivery in ten
// failing its first try (its retry, one second later here, holds the line meanwhile). The events are
// published first, one after another's answer (that order is the order checked); the figure is the
// receiver's rate over the drain.

export interface FifoRun {
  events: number;
  received: number;
  /** Accepted receipts per second over the drain. */
  perSecond: number;
  drainSeconds: number;
  /** Every accepted receipt came in publish order. */
  inOrder: boolean;
}

export interface FifoResult {
  clean: FifoRun;
  /** One delivery in `every` fails its first request. */
  failingFirstTries: FifoRun & { every: number };
}

export async function measureFifo(api: Api, rx: BenchReceiver, events: number, timeoutMs: number): Promise<FifoResult> {
  const clean = await run(api, rx, "fifo", events, timeoutMs);
  const every = 10;
  rx.failFirstTry("fifo-faults", every);
  const failing = await run(api, rx, "fifo-faults", events, timeoutMs);
  return { clean, failingFirstTries: { ...failing, every } };
}

async function run(api: Api, rx: BenchReceiver, tag: string, events: number, timeoutMs: number): Promise<FifoRun> {
  const { key } = await api.newAccount(`bench-${tag}`);
  await api.createHook(key, { url: rx.url(tag), events: [`bench.${tag}`], ordering: "fifo" });
  const order = new Map<string, number>();
  for (let i = 0; i < events; i++) {
    const e = await api.publish(key, `bench.${tag}`, { seq: i, sent_at: Date.now() });
    order.set(deliveryIdOf(e.id, 0), i);
  }
  const got = await rx.waitFor(tag, events, timeoutMs);
  const times = got.map((r) => r.at);
  const span = (Math.max(...times) - Math.min(...times)) / 1000;
  return {
    events,
    received: new Set(got.map((r) => r.webhookId)).size,
    // n arrivals span n-1 intervals.
    perSecond: round((got.length - 1) / span, 1),
    drainSeconds: round(span, 1),
    inOrder: inPublishOrder(got, order),
  };
}

function inPublishOrder(got: Receipt[], order: Map<string, number>): boolean {
  const seq = got.map((r) => order.get(r.webhookId) ?? -1);
  return seq.every((s, i) => s >= 0 && (i === 0 || s >= seq[i - 1]!));
}
