import { expect } from "vitest";
import { call, callAnsweredFirst } from "./api";
import { eventually, type ReceivedRequest, type Receiver } from "./receiver";

// Helpers for the delivery tests: create hooks, publish events, wait for deliveries to settle.

export async function createHook(key: string, fields: Record<string, unknown>): Promise<{ id: string; secret: string; [k: string]: any }> {
  const res = await call("POST", "/v1/hooks", { token: key, body: { name: `hook-${crypto.randomUUID()}`, ...fields } });
  if (res.status !== 201) throw new Error(`hook: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function publish(key: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<{ id: string; type: string; deliveries: number }> {
  const res = await call("POST", "/v1/events", { token: key, body, headers });
  if (res.status !== 202) throw new Error(`publish: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A publish answered before its first attempts end (see `callAnsweredFirst`): await `done` before the test ends. */
export async function publishAnsweredFirst(key: string, body: Record<string, unknown>): Promise<{ event: { id: string; deliveries: number }; done: Promise<void> }> {
  const res = await callAnsweredFirst("POST", "/v1/events", { token: key, body });
  if (res.status !== 202) throw new Error(`publish: ${res.status} ${JSON.stringify(res.body)}`);
  return { event: res.body, done: res.done };
}

export async function getDelivery(key: string, id: string): Promise<any> {
  const res = await call("GET", `/v1/deliveries/${id}`, { token: key });
  expect(res.status).toBe(200);
  return res.body;
}

export async function deliveriesOf(key: string, eventId: string): Promise<any[]> {
  const res = await call("GET", `/v1/deliveries?event_id=${eventId}&limit=100`, { token: key });
  expect(res.status).toBe(200);
  return res.body.data;
}

/** Waits until the hook leaves `new` (its automatic endpoint test ran), then returns it. */
export async function testedHook(key: string, id: string, timeoutMs = 20_000): Promise<any> {
  let last: any;
  await eventually(async () => (last = (await call("GET", `/v1/hooks/${id}`, { token: key })).body).state !== "new", timeoutMs);
  if (last.state === "new") throw new Error(`hook ${id} stayed new: ${JSON.stringify(last)}`);
  return last;
}

const SETTLED = ["succeeded", "dead", "skipped"];

/** Waits until the delivery reaches one of `statuses` (default: any settled status), then returns it. */
export async function settledDelivery(key: string, id: string, statuses: string[] = SETTLED, timeoutMs = 45_000): Promise<any> {
  let last: any;
  await eventually(async () => {
    last = await getDelivery(key, id);
    return statuses.includes(last.status);
  }, timeoutMs);
  if (!statuses.includes(last.status)) throw new Error(`delivery ${id} is ${last.status}, expected ${statuses.join("|")}: ${JSON.stringify(last)}`);
  return last;
}

/**
 * Waits until the delivery's `n`th attempt is recorded, then returns it: its status and
 * next_attempt_at then say what that attempt decided (failed and rescheduled, dead, succeeded...).
 */
export async function attemptedDelivery(key: string, id: string, n: number, timeoutMs = 45_000): Promise<any> {
  let last: any;
  await eventually(async () => (last = await getDelivery(key, id)).attempts >= n && last.status !== "pending", timeoutMs);
  if (last.attempts < n) throw new Error(`delivery ${id} has ${last.attempts} attempts, expected ${n}: ${JSON.stringify(last)}`);
  return last;
}

/** The requests of real deliveries (not the automatic endpoint test, whose webhook-id is test_…). */
export async function deliveryRequests(rx: Receiver): Promise<ReceivedRequest[]> {
  return (await rx.requests()).filter((r) => r.headers["webhook-id"]?.startsWith("dlv_"));
}

/** The gate calls a receiver got (webhook-id `gate_…`), leaving out anything else sent to it. */
export async function gateCalls(rx: Receiver): Promise<ReceivedRequest[]> {
  return (await rx.requests()).filter((r) => r.headers["webhook-id"]?.startsWith("gate_"));
}

export async function waitForDeliveryRequests(rx: Receiver, count: number, timeoutMs = 30_000): Promise<ReceivedRequest[]> {
  let got: ReceivedRequest[] = [];
  await eventually(async () => (got = await deliveryRequests(rx)).length >= count, timeoutMs);
  return got;
}
