import { expect } from "vitest";
import { deliveryRequests } from "./delivery";
import { eventually, type Receiver } from "./receiver";

// What a receiver got of hookrouter's operational events (docs/operational-events.md), one entry
// per event (a retried delivery's repeats are the same event).

export interface OperationalEvent {
  id: string;
  type: string;
  /** The event's publish time (the envelope's `timestamp`). */
  timestamp: string;
  data: { hook_id: string; suppressed: number; occurred_at: string; [field: string]: any };
}

export async function operationalEvents(rx: Receiver, filter: { type?: string | RegExp; about?: string } = {}): Promise<OperationalEvent[]> {
  const byId = new Map<string, OperationalEvent>();
  for (const r of await deliveryRequests(rx)) {
    const e = JSON.parse(r.body) as OperationalEvent;
    if (!e.type.startsWith("hookrouter.")) continue;
    if (filter.type !== undefined && !(typeof filter.type === "string" ? e.type === filter.type : filter.type.test(e.type))) continue;
    if (filter.about !== undefined && e.data.hook_id !== filter.about) continue;
    byId.set(e.id, e);
  }
  return [...byId.values()].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

/** Polls until `count` such events arrived, then answers them all. */
export async function awaitOperationalEvents(rx: Receiver, filter: Parameters<typeof operationalEvents>[1], count: number, timeoutMs = 45_000): Promise<OperationalEvent[]> {
  let got: OperationalEvent[] = [];
  await eventually(async () => (got = await operationalEvents(rx, filter)).length >= count, timeoutMs, 200);
  expect(got.length, `operational events ${JSON.stringify(filter)}`).toBeGreaterThanOrEqual(count);
  return got;
}
