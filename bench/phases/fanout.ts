import type { Api } from "../lib/api";
import type { BenchReceiver } from "../lib/receiver";
import { pool } from "../lib/stats";

// (3) Fan-out: one event that matches `hooks` hooks (all on the receiver, one tag each): the time
// until the 202, and until the last hook received it.

export interface FanoutResult {
  hooks: number;
  deliveries: number;
  acceptedMs: number;
  lastReceiptMs: number;
  received: number;
}

export async function measureFanout(api: Api, rx: BenchReceiver, hooks: number, timeoutMs: number): Promise<FanoutResult> {
  const { key } = await api.newAccount("bench-fanout");
  await pool(hooks, 8, async (i) => {
    await api.createHook(key, { url: rx.url(`fan${i}`), events: ["bench.fanout"] });
  });
  const start = Date.now();
  const accepted = await api.publish(key, "bench.fanout", { sent_at: start });
  const acceptedMs = Date.now() - start;
  const tags = Array.from({ length: hooks }, (_, i) => `fan${i}`);
  const deadline = start + timeoutMs;
  let last = 0;
  for (const tag of tags) {
    const got = await rx.waitFor(tag, 1, Math.max(0, deadline - Date.now()));
    if (got[0]) last = Math.max(last, got[0].at);
  }
  const received = tags.filter((t) => rx.received(t).length > 0).length;
  return { hooks, deliveries: accepted.deliveries, acceptedMs, lastReceiptMs: last - start, received };
}
