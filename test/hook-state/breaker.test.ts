import { describe, expect, it } from "vitest";
import { call, newAccount } from "../helpers/api";
import { createHook, deliveryRequests, publish, settledDelivery, testedHook } from "../helpers/delivery";
import { eventually, Receiver } from "../helpers/receiver";

// The circuit breaker end to end, through the queue consumer. This project: 10 consecutive failed
// attempts open the breaker, probes go 1 s and then 2 s apart, and a delivery has 11 attempts with
// 1 s between them, so the held deliveries outlive the outage.

describe("circuit breaker", () => {
  it("opens after 10 failures in a row, lets only probes through, and delivers everything held once the receiver recovers", async () => {
    const { key } = await newAccount("breaker");
    const rx = new Receiver();
    await rx.script([], { status: 500, body: "down" });
    const hook = await createHook(key, { url: rx.url(), events: ["job.*"] });
    const events = [];
    for (let i = 0; i < 12; i++) events.push(await publish(key, { type: "job.done", payload: { i } }));

    // Ten failed attempts, then the breaker is open (or half open, with a probe due or out).
    const openedAt = await eventually(async () => {
      const h = (await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body;
      return h.circuit !== "closed" ? Date.now() : 0;
    });
    expect(openedAt).toBeGreaterThan(0);
    const beforeOpen = (await deliveryRequests(rx)).length;
    expect(beforeOpen).toBeGreaterThanOrEqual(10);

    // While it fails, only probes reach the receiver: one at a time, at least a probe interval apart.
    await new Promise((r) => setTimeout(r, 5000));
    const duringOutage = (await deliveryRequests(rx)).filter((r) => r.at > openedAt + 300);
    expect(duringOutage.length).toBeGreaterThanOrEqual(1);
    expect(duringOutage.length).toBeLessThanOrEqual(4);
    const gaps = duringOutage.slice(1).map((r, i) => r.at - duringOutage[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThan(800);
    const live = (await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body;
    expect(["open", "half_open"]).toContain(live.circuit);

    // The receiver recovers: the next probe closes the breaker and every held delivery arrives.
    const recoveredAt = Date.now();
    await rx.script([], { status: 200, body: "ok" });
    const deliveries = (await call("GET", `/v1/deliveries?hook_id=${hook.id}&limit=100`, { token: key })).body.data as any[];
    expect(deliveries).toHaveLength(12);
    for (const d of deliveries) expect((await settledDelivery(key, d.id, ["succeeded"], 30_000)).status).toBe("succeeded");
    const answeredOk = (await deliveryRequests(rx)).filter((r) => r.at >= recoveredAt);
    expect(new Set(answeredOk.map((r) => JSON.parse(r.body).id))).toEqual(new Set(events.map((e) => e.id)));
    expect((await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body).toMatchObject({ circuit: "closed", enabled: true });
  });

  it("a receiver that never fails twice in a row keeps it closed: 40 deliveries over concurrent batches all arrive", async () => {
    const { key, hook, rx } = await testedHookOn("alternating");
    // 500, 200, 500, 200, … in arrival order, retries included; then 200.
    await rx.script(Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? { status: 500, body: "down" } : { status: 200, body: "ok" })));
    const watch = watchCircuit(key, hook.id);
    const events = await Promise.all(Array.from({ length: 40 }, (_, i) => publish(key, { type: "job.done", payload: { i } })));
    await everyDeliverySucceeded(key, hook.id, events.length);
    expect(await watch.stop()).toEqual(new Set(["closed"]));
    // Every delivery got one 200; the rest were 500s: more than the threshold, never 2 in a row.
    expect((await deliveryRequests(rx)).length - events.length).toBeGreaterThanOrEqual(10);
  });

  it("a receiver failing 30% of requests at random never opens it over 300 deliveries", async () => {
    const { key, hook, rx } = await testedHookOn("random-30");
    const answers = seededFailures(0.3, 700, 1234);
    // The script itself never fails 10 times running (else opening would be right).
    expect(longestFailureRun(answers)).toBeLessThan(10);
    expect(answers.filter((a) => a.status === 500).length).toBeGreaterThan(150);
    await rx.script(answers);
    const watch = watchCircuit(key, hook.id);
    for (let i = 0; i < 300; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => publish(key, { type: "job.done", payload: { i: i + j } })));
    await everyDeliverySucceeded(key, hook.id, 300);
    expect(await watch.stop()).toEqual(new Set(["closed"]));
  });
});

/** A hook on a fresh receiver, past its automatic endpoint test (which would take a scripted answer). */
async function testedHookOn(name: string) {
  const { key } = await newAccount(name);
  const rx = new Receiver();
  const hook = await createHook(key, { url: rx.url(), events: ["job.*"] });
  await testedHook(key, hook.id);
  return { key, hook, rx };
}

/** Polls the hook's circuit until stopped; answers every state seen (an open breaker lasts at least a probe interval, 1 s here). */
function watchCircuit(key: string, hookId: string) {
  const seen = new Set<string>();
  let running = true;
  const polling = (async () => {
    while (running) {
      seen.add((await call("GET", `/v1/hooks/${hookId}`, { token: key })).body.circuit);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await polling;
      return seen;
    },
  };
}

async function everyDeliverySucceeded(key: string, hookId: string, count: number): Promise<void> {
  const settled = await eventually(async () => {
    const page = (await call("GET", `/v1/deliveries?hook_id=${hookId}&status=succeeded&limit=100`, { token: key })).body;
    let n = page.data.length;
    for (let cursor = page.next_cursor; cursor; ) {
      const next = (await call("GET", `/v1/deliveries?hook_id=${hookId}&status=succeeded&limit=100&cursor=${cursor}`, { token: key })).body;
      n += next.data.length;
      cursor = next.next_cursor;
    }
    return n === count;
  }, 90_000, 250);
  expect(settled).toBe(true);
}

/** `n` answers, each a 500 with probability `rate` (a fixed seed: the same sequence every run). */
function seededFailures(rate: number, n: number, seed: number) {
  let x = seed >>> 0;
  const random = () => {
    // mulberry32
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => (random() < rate ? { status: 500, body: "down" } : { status: 200, body: "ok" }));
}

function longestFailureRun(answers: Array<{ status: number }>): number {
  let longest = 0;
  let run = 0;
  for (const a of answers) longest = Math.max(longest, (run = a.status === 500 ? run + 1 : 0));
  return longest;
}
