import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import { SealedIn, secretBoxFor } from "../../src/crypto/secret-box";
import { getDb } from "../../src/db/client";
import { hooks, type NewHookRow } from "../../src/db/schema";
import { queue } from "../../src/delivery/consumer";
import { generateSecret } from "../../src/domain/hook-secret";
import { newId } from "../../src/domain/ids";
import { getConfig, type DeliveryMessage, type Env } from "../../src/env";
import { newAccount } from "../helpers/api";
import { message, QUEUE, storeEvent } from "../helpers/consumer";
import { countingEnv } from "../helpers/counting";
import { getDelivery } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// What one ingest and one delivery attempt cost in D1 statements, D1 round trips, D1 rows written,
// queue calls and (attempts) hook Durable Object calls, measured on the real code paths with counting wrappers around the real bindings.
// Rows written are D1's own count (every table row and every index entry written is one): an event
// writes 3 (its row, its key's index, events_account_type), a delivery 5 (its row, which is its id
// key, and the account, event, hook and stats indexes), an attempt 1 and its delivery's update 2 (the
// row, and the stats index entry, which holds the status). README.md
// ("Delivery" → "Cost") quotes these numbers; if a change makes them grow, this test says so.

const bindings = env as unknown as Env;

/** Hooks written straight to D1 (as test/helpers/many-hooks.ts does): hundreds of API calls in one file slow the runtime down. */
async function seedHooks(accountId: string, url: string, count: number): Promise<string[]> {
  const db = getDb(bindings.DB);
  const box = await secretBoxFor(getConfig(bindings));
  const now = new Date().toISOString();
  const ids = Array.from({ length: count }, () => newId("hook"));
  // Each sealed for its own row: a sealed value opens only in the row and column it was sealed for.
  const sealed = await Promise.all(ids.map((id) => box.seal(generateSecret(), SealedIn.hookSecret(id))));
  const rows: NewHookRow[] = ids.map((id, i) => ({
    id,
    accountId,
    name: `seeded-${i}-${crypto.randomUUID()}`,
    kind: "webhook",
    url,
    events: [],
    secretSealed: sealed[i]!,
    createdAt: now,
    updatedAt: now,
  }));
  // 28 columns: 3 rows per statement stay under D1's 100 bound parameters.
  const inserts = [];
  for (let i = 0; i < rows.length; i += 3) inserts.push(db.insert(hooks).values(rows.slice(i, i + 3)));
  if (inserts.length > 0) await db.batch(inserts as [(typeof inserts)[0], ...typeof inserts]);
  return rows.map((r) => r.id);
}

/** The hook Durable Object calls the consumer makes (admission.ts), by method, on top of `counted`'s bindings. */
function countingHookStates(base: Env): { env: Env; calls: string[] } {
  const calls: string[] = [];
  const real = base.HOOK_STATE;
  const HOOK_STATE = new Proxy(real, {
    get(target, prop) {
      if (prop === "get") {
        return (id: DurableObjectId) => {
          const stub = target.get(id);
          return new Proxy(stub, {
            get(s, method) {
              const v = Reflect.get(s, method);
              if (typeof v !== "function" || typeof method !== "string") return v;
              return (...args: unknown[]) => (calls.push(method), Reflect.apply(v, s, args));
            },
          });
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { env: { ...base, HOOK_STATE }, calls };
}

async function measuredPublish(key: string, body: unknown, headers: Record<string, string> = {}) {
  const counted = countingEnv(bindings);
  const res = await buildApp().fetch(
    new Request("http://hookrouter.test/v1/events", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    }),
    counted.env,
    createExecutionContext(),
  );
  expect(res.status).toBe(202);
  return { answer: (await res.json()) as { deliveries: number }, ...counted };
}

describe("cost of an ingest", () => {
  // The account's hooks and catalog are kept in isolate memory (src/services/fanout-cache.ts) and
  // checked by a guard at the head of the write transaction: the first publish of an account in an
  // isolate reads them, the next ones do not.
  it.each([0, 3, 250])("fan-out to %i hooks: cold 3 round trips, warm 2; ceil(N/100) sendBatch calls", async (n) => {
    const { accountId, key } = await newAccount();
    await seedHooks(accountId, new Receiver().url(), n);
    const cold = await measuredPublish(key, { type: "cost.test", payload: { n } });
    expect(cold.answer.deliveries).toBe(n);
    // API key; one read batch (catalog, hooks, their fingerprint); one write batch (guard, event, delivery chunks).
    expect(cold.d1).toEqual({ roundTrips: 3, statements: 1 + 3 + 2 + Math.ceil(n / 1000) });
    expect(cold.deliveries).toEqual({ sendCalls: Math.ceil(n / 100), messages: n });
    const warm = await measuredPublish(key, { type: "cost.test", payload: { n } });
    expect(warm.d1).toEqual({ roundTrips: 2, statements: 1 + 2 + Math.ceil(n / 1000) });
    expect(warm.deliveries).toEqual({ sendCalls: Math.ceil(n / 100), messages: n });
    expect(warm.deadLetters).toEqual({ sendCalls: 0, messages: 0 });
    expect(cold.written.rows).toBe(3 + 5 * n);
    expect(warm.written.rows).toBe(3 + 5 * n);
  });

  it("a hook changed elsewhere costs one more round trip (the guard refuses the stale plan, which is made again)", async () => {
    const { accountId, key } = await newAccount();
    const [hookId] = await seedHooks(accountId, new Receiver().url(), 2);
    await measuredPublish(key, { type: "cost.test", payload: {} });
    await bindings.DB.prepare("update hooks set enabled = 0 where id = ?").bind(hookId).run();
    const stale = await measuredPublish(key, { type: "cost.test", payload: {} });
    expect(stale.answer.deliveries).toBe(1);
    expect(stale.d1).toEqual({ roundTrips: 4, statements: 1 + 3 + 3 + 3 });
  });

  it("with an idempotency key: the claim adds 2 statements to the write; a repeat costs 4 round trips and sends nothing", async () => {
    const { accountId, key } = await newAccount();
    await seedHooks(accountId, new Receiver().url(), 3);
    await measuredPublish(key, { type: "cost.test", payload: {} });
    const first = await measuredPublish(key, { type: "cost.test", payload: {} }, { "idempotency-key": "k-1" });
    expect(first.d1).toEqual({ roundTrips: 2, statements: 1 + 2 + 2 + 1 });
    expect(first.deliveries).toEqual({ sendCalls: 1, messages: 3 });
    expect(first.written.rows).toBe(3 + 5 * 3 + 2); // + the claim: its row and its key's index
    const repeat = await measuredPublish(key, { type: "cost.test", payload: {} }, { "idempotency-key": "k-1" });
    expect(repeat.answer.deliveries).toBe(3);
    // Key; the write, refused by the claim; the claimed event; the count of its deliveries.
    expect(repeat.d1).toEqual({ roundTrips: 4, statements: 1 + 5 + 1 + 1 });
    expect(repeat.deliveries).toEqual({ sendCalls: 0, messages: 0 });
  });
});

describe("cost of delivery attempts", () => {
  it("a queue batch costs 2 D1 round trips and 3 statements, whether it holds 1 or 6 deliveries", async () => {
    const { accountId } = await newAccount();
    const rx = new Receiver();
    for (const size of [1, 6]) {
      const ids = await storeEvent(accountId, await seedHooks(accountId, rx.url(), size));
      const counted = countingEnv(bindings);
      const objects = countingHookStates(counted.env);
      const batch = createMessageBatch<DeliveryMessage>(QUEUE, ids.map((id) => message(accountId, id)));
      await queue(batch, objects.env);
      expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toHaveLength(size);
      // One read (deliveries joined to events and hooks); one write batch (all attempts, all deliveries).
      expect(counted.d1).toEqual({ roundTrips: 2, statements: 3 });
      expect(counted.written.rows).toBe(3 * size);
      expect(counted.deliveries.sendCalls + counted.deadLetters.sendCalls).toBe(0);
      // Healthy hooks without a rate limit: their Durable Objects are not asked before sending, and
      // are told the batch's outcomes after, one call per hook (here one delivery per hook).
      expect(objects.calls).toEqual(Array(size).fill("recordAttempts"));
    }
  });

  it("a hook's first failure adds one conditional hook update to the same write batch", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    await rx.script([], { status: 500 });
    const [id] = await storeEvent(accountId, await seedHooks(accountId, rx.url(), 1));
    const counted = countingEnv(bindings);
    const objects = countingHookStates(counted.env);
    const batch = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, id!)]);
    await queue(batch, objects.env);
    expect((await getQueueResult(batch, createExecutionContext())).retryMessages).toHaveLength(1);
    expect(counted.d1).toEqual({ roundTrips: 2, statements: 4 });
    // Not asked before (the row says healthy, no limit); told of the failure after.
    expect(objects.calls).toEqual(["recordAttempts"]);
    expect(counted.written.rows).toBe(3 + 1); // the hook's row (failing_since is in no index)
    expect(await getDelivery(key, id!)).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("a rate-limited hook: one Durable Object call per delivery (admission), one per batch after", async () => {
    const { accountId } = await newAccount();
    const [hookId] = await seedHooks(accountId, new Receiver().url(), 1);
    await bindings.DB.prepare("update hooks set rate_limit_per_second = 1000 where id = ?").bind(hookId).run();
    const ids = await storeEvent(accountId, [hookId!, hookId!]);
    const counted = countingEnv(bindings);
    const objects = countingHookStates(counted.env);
    const batch = createMessageBatch<DeliveryMessage>(QUEUE, ids.map((id) => message(accountId, id)));
    await queue(batch, objects.env);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toHaveLength(2);
    expect(counted.d1).toEqual({ roundTrips: 2, statements: 3 });
    // Two admissions; the two successes reach the object in one report.
    expect(objects.calls).toEqual(["admit", "admit", "recordAttempts"]);
  });

  it("deliveries a rate limit holds back: one sendBatch for all of the batch's postponed copies", async () => {
    const { accountId } = await newAccount();
    const [hookId] = await seedHooks(accountId, new Receiver().url(), 1);
    // One token every 2 s: the first delivery takes it, the others would wait longer than the consumer sleeps in place.
    await bindings.DB.prepare("update hooks set rate_limit_per_second = 0.5 where id = ?").bind(hookId).run();
    const ids = await storeEvent(accountId, [hookId!, hookId!, hookId!]);
    const counted = countingEnv(bindings);
    const batch = createMessageBatch<DeliveryMessage>(QUEUE, ids.map((id) => message(accountId, id)));
    await queue(batch, counted.env);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toHaveLength(3);
    expect(counted.deliveries).toEqual({ sendCalls: 1, messages: 2 });
    // The one attempt is written as usual; the postponed deliveries write nothing.
    expect(counted.d1).toEqual({ roundTrips: 2, statements: 3 });
    expect(counted.written.rows).toBe(3);
  });
});
