import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { FIRST_ATTEMPTS } from "../../src/delivery/first-attempt";
import type { LogDb } from "../../src/log/log-db";
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
import { countingEnv, countingObjects, type ObjectCall } from "../helpers/counting";
import { deliveriesOf, getDelivery } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";
import { logShard } from "../helpers/log";

// What one publish and one queue batch cost, measured on the real code paths with counting wrappers
// around the real bindings: D1 statements, round trips and rows written (D1's own count), queue calls,
// Durable Object calls (the delivery log's and the hooks'), and the rows the delivery log's objects
// write (SQLite's own count, every index entry included: DeliveryLog.usage). An event and all its
// deliveries are ONE row of the log; a success at the first try does not write it again (successes
// are kept together, one row per flush for all of them); any other outcome rewrites the event's row,
// and a failed attempt adds its attempt row. D1 is written by neither path. docs/architecture.md
// ("The delivery log") and bench/results.md quote these numbers; if a change makes them grow, this
// test says so.

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

/** The real bindings counted: D1 and the queues (countingEnv), and every Durable Object call. */
function measured() {
  const counted = countingEnv(bindings);
  const logCalls: ObjectCall[] = [];
  const hookCalls: ObjectCall[] = [];
  const env: Env = {
    ...counted.env,
    DELIVERY_LOG: countingObjects(bindings.DELIVERY_LOG, logCalls),
    HOOK_STATE: countingObjects(bindings.HOOK_STATE, hookCalls),
  };
  return { ...counted, env, logCalls, hookCalls, logMethods: () => logCalls.map((c) => c.method), hookMethods: () => hookCalls.map((c) => c.method) };
}

/**
 * Rows the account's log object (shard 0) writes for records while `fn` runs. The first successes'
 * flush rows (one per second at most, for all the successes of that second) are counted apart: under
 * load a flush of earlier successes may land inside the window. Their share is measured by the bench.
 */
async function logRowsWrittenBy<T>(accountId: string, fn: () => Promise<T>): Promise<{ result: T; rows: number; flushRows: number }> {
  const before = await logShard(accountId).usage();
  const result = await fn();
  const after = await logShard(accountId).usage();
  const flushRows = after.flushRows - before.flushRows;
  return { result, rows: after.rowsWritten - before.rowsWritten - flushRows, flushRows };
}

/** A publish, with the work it leaves to waitUntil (the first attempts) run to its end. */
async function measuredPublish(accountId: string, key: string, body: unknown, headers: Record<string, string> = {}, vars: Partial<Env> = {}) {
  const measuredBindings = measured();
  const m = { ...measuredBindings, env: { ...measuredBindings.env, ...vars } };
  const ctx = createExecutionContext();
  const { result: res, rows } = await logRowsWrittenBy(accountId, async () => {
    const request = new Request("http://hookrouter.test/v1/events", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    const answer = await buildApp().fetch(request, m.env, ctx);
    await waitOnExecutionContext(ctx);
    return answer;
  });
  expect(res.status).toBe(202);
  return { answer: (await res.json()) as { id: string; deliveries: number }, logRows: rows, ...m };
}

/** Writes the first-try successes the account's log object keeps in memory (it does so within a second anyway). */
function flushFirstSuccesses(accountId: string): Promise<void> {
  return runInDurableObject(logShard(accountId), (log) => (log as unknown as { db: LogDb }).db.firsts.flush());
}

/** Runs one queue batch of these deliveries through the consumer. */
async function measuredBatch(accountId: string, ids: string[]) {
  const m = measured();
  const batch = createMessageBatch<DeliveryMessage>(QUEUE, ids.map((id) => message(accountId, id)));
  const { rows, flushRows } = await logRowsWrittenBy(accountId, () => queue(batch, m.env));
  return { result: await getQueueResult(batch, createExecutionContext()), logRows: rows, flushRows, ...m };
}

describe("cost of a publish", () => {
  // The account's hooks and catalog are kept in isolate memory (src/services/fanout-cache.ts), used
  // while the account's fanout_version (read with the API key) is unchanged: the first publish of an
  // account in an isolate reads them, the next ones do not. The first FIRST_ATTEMPTS deliveries are
  // attempted by the publishing Worker after its answer (src/delivery/first-attempt.ts), in rounds of
  // 6: per round one D1 read (the hooks) and one call to the log (the outcomes); one report per hook;
  // the rest go through the queue.
  it.each([0, 3, 10, 250])("fan-out to %i hooks: no D1 write, 1 log row; cold 2 D1 reads, warm 1, + 1 per round of first attempts; the rest ceil(N/100) sendBatch calls", async (n) => {
    const { accountId, key } = await newAccount();
    await seedHooks(accountId, new Receiver().url(), n);
    const first = Math.min(FIRST_ATTEMPTS, n);
    const queued = n - first;
    // The account's first event makes its log's day tables: not a per-event cost.
    await measuredPublish(accountId, key, { type: "warm.up", payload: {} });
    await bindings.DB.prepare("update accounts set fanout_version = fanout_version + 1 where id = ?").bind(accountId).run();
    const cold = await measuredPublish(accountId, key, { type: "cost.test", payload: { n } });
    expect(cold.answer.deliveries).toBe(n);
    // The API key (with the account's settings); one read batch (catalog, hooks, version); the first attempts' hooks.
    const firstRead = Math.ceil(first / 6);
    expect(cold.d1).toEqual({ roundTrips: 2 + firstRead, statements: 1 + 3 + firstRead });
    const warm = await measuredPublish(accountId, key, { type: "cost.test", payload: { n } });
    expect(warm.d1).toEqual({ roundTrips: 1 + firstRead, statements: 1 + firstRead });
    for (const p of [cold, warm]) {
      expect(p.written.rows).toBe(0);
      expect(p.deliveries).toEqual({ sendCalls: Math.ceil(queued / 100), messages: queued });
      expect(p.deadLetters).toEqual({ sendCalls: 0, messages: 0 });
      expect(p.logMethods()).toEqual(["publish", ...Array(firstRead).fill("recordOutcomes")]);
      // The event with all its deliveries; the first attempts' successes wait for the flush.
      expect(p.logRows).toBe(1);
      expect(p.hookMethods()).toEqual(Array(first).fill("recordAttempts"));
    }
  });

  it("a first attempt that fails is retried by the publishing Worker when the wait fits: no queue message; the failure one log row, the success buffered", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    await seedHooks(accountId, rx.url(), 1);
    await measuredPublish(accountId, key, { type: "warm.up", payload: {} });
    await rx.script([{ status: 500 }, { status: 200 }]);
    const p = await measuredPublish(accountId, key, { type: "cost.test", payload: {} });
    // Nothing through the queue; the log: the event, the failure's outcome, the retry's read and outcome.
    expect(p.deliveries).toEqual({ sendCalls: 0, messages: 0 });
    expect(p.logMethods()).toEqual(["publish", "recordOutcomes", "jobs", "recordOutcomes"]);
    expect(p.hookMethods()).toEqual(["recordAttempts", "recordAttempts"]);
    expect(p.logRows).toBe(2); // the event; its row again for the failure (the success waits for the flush)
    expect(p.written.rows).toBe(0);
    const [delivery] = await deliveriesOf(key, p.answer.id);
    expect(await getDelivery(key, delivery.id)).toMatchObject({ status: "succeeded", attempts: 2, attempt_log: [{ n: 1, response_status: 500 }, { n: 2, response_status: 200 }] });
  });

  it("FIRST_ATTEMPTS_BY_PUBLISHER=false: every delivery goes through the queue (one sendBatch), the publishing Worker attempts none", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    await seedHooks(accountId, rx.url(), 3);
    await measuredPublish(accountId, key, { type: "warm.up", payload: {} });
    const before = (await rx.requests()).length;
    const p = await measuredPublish(accountId, key, { type: "cost.test", payload: {} }, {}, { FIRST_ATTEMPTS_BY_PUBLISHER: "false" });
    expect(p.answer.deliveries).toBe(3);
    expect(p.deliveries).toEqual({ sendCalls: 1, messages: 3 });
    expect(p.logMethods()).toEqual(["publish"]);
    expect(p.hookMethods()).toEqual([]);
    expect(p.d1).toEqual({ roundTrips: 1, statements: 1 }); // the API key: no hooks read for an attempt
    expect((await rx.requests()).length).toBe(before);
    expect((await deliveriesOf(key, p.answer.id)).map((d) => d.status)).toEqual(["pending", "pending", "pending"]);
  });

  it("a hook changed elsewhere bumps the account's fanout_version: the next publish reads the hooks again", async () => {
    const { accountId, key } = await newAccount();
    const [hookId] = await seedHooks(accountId, new Receiver().url(), 2);
    await measuredPublish(accountId, key, { type: "cost.test", payload: {} });
    await bindings.DB.prepare("update hooks set enabled = 0 where id = ?").bind(hookId).run();
    const fresh = await measuredPublish(accountId, key, { type: "cost.test", payload: {} });
    expect(fresh.answer.deliveries).toBe(1);
    // Key, snapshot, and the first attempt's hook.
    expect(fresh.d1).toEqual({ roundTrips: 3, statements: 1 + 3 + 1 });
    // A change no fan-out reads (the hook's name) keeps the cached copy.
    await bindings.DB.prepare("update hooks set name = 'renamed' where id = ?").bind(hookId).run();
    expect((await measuredPublish(accountId, key, { type: "cost.test", payload: {} })).d1).toEqual({ roundTrips: 2, statements: 2 });
  });

  it("with an idempotency key: the claim is one more row of the log; a repeat writes nothing, sends nothing, attempts nothing", async () => {
    const { accountId, key } = await newAccount();
    await seedHooks(accountId, new Receiver().url(), 3);
    await measuredPublish(accountId, key, { type: "cost.test", payload: {} });
    const first = await measuredPublish(accountId, key, { type: "cost.test", payload: {} }, { "idempotency-key": "k-1" });
    expect(first.logRows).toBe(2); // the event, the claim
    const repeat = await measuredPublish(accountId, key, { type: "cost.test", payload: {} }, { "idempotency-key": "k-1" });
    expect(repeat.answer).toEqual(first.answer);
    expect(repeat.logMethods()).toEqual(["publish"]);
    expect(repeat.logRows).toBe(0);
    expect(repeat.d1).toEqual({ roundTrips: 1, statements: 1 });
    expect(repeat.deliveries).toEqual({ sendCalls: 0, messages: 0 });
    expect(repeat.hookMethods()).toEqual([]);
    expect(repeat.written.rows).toBe(0);
  });
});

describe("cost of delivery attempts", () => {
  it("a queue batch: one D1 read, no D1 write; 2 calls to the log; first-try successes one row per flush, not per event; one report per hook", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    for (const size of [1, 6]) {
      const ids = await storeEvent(accountId, await seedHooks(accountId, rx.url(), size));
      const b = await measuredBatch(accountId, ids);
      expect(b.result.explicitAcks).toHaveLength(size);
      // The hooks (and a Slack hook's connection) in one read; nothing written to D1.
      expect(b.d1).toEqual({ roundTrips: 1, statements: 1 });
      expect(b.written.rows).toBe(0);
      expect(b.deliveries.sendCalls + b.deadLetters.sendCalls).toBe(0);
      // The jobs and the outcomes: one call each to the account shard's log. Each delivery succeeded
      // at its first try: the event's row is not written again; the successes are kept together and
      // written as one row when the log flushes them (src/log/first-successes.ts).
      expect(b.logMethods()).toEqual(["jobs", "recordOutcomes"]);
      expect(b.logRows).toBe(0);
      // However many successes, and whether the log's own timer or this flush writes them: one row.
      expect(b.flushRows + (await logRowsWrittenBy(accountId, () => flushFirstSuccesses(accountId))).flushRows).toBe(1);
      for (const id of ids) expect(await getDelivery(key, id)).toMatchObject({ status: "succeeded", attempts: 1, attempt_log: [{ n: 1, response_status: 200 }] });
      // Healthy hooks without a rate limit: not asked before sending, told the batch's outcomes after,
      // one call per hook (here one delivery per hook).
      expect(b.hookMethods()).toEqual(Array(size).fill("recordAttempts"));
    }
  });

  it("a failed attempt rewrites its event's row and nothing else: its details live in the delivery, D1 is not written", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    await rx.script([], { status: 500 });
    const [id] = await storeEvent(accountId, await seedHooks(accountId, rx.url(), 1));
    const b = await measuredBatch(accountId, [id!]);
    expect(b.result.retryMessages).toHaveLength(1);
    // One read (the hooks); the failure leaves the breaker closed, so the hook's row is not written.
    expect(b.d1).toEqual({ roundTrips: 1, statements: 1 });
    expect(b.written.rows).toBe(0);
    expect(b.logRows).toBe(1); // the event's row: the attempt is the delivery's latest, kept in it
    expect(b.hookMethods()).toEqual(["recordAttempts"]);
    expect(await getDelivery(key, id!)).toMatchObject({ status: "failed", attempts: 1, attempt_log: [{ n: 1, response_status: 500 }] });

    // Its retry succeeds while the event is young: no row of its own (one flush row for all such
    // successes); the attempt log shows both attempts, the stats the success.
    await rx.script([{ status: 200 }]);
    const retry = await measuredBatch(accountId, [id!]);
    expect(retry.result.explicitAcks).toHaveLength(1);
    expect(retry.logRows).toBe(0);
    expect(retry.written.rows).toBe(0);
    expect(await getDelivery(key, id!)).toMatchObject({ status: "succeeded", attempts: 2, attempt_log: [{ n: 1, response_status: 500 }, { n: 2, response_status: 200 }] });
  });

  it("the hook's row is written when its breaker opens (10 failures in a row), not for each failure", async () => {
    const { accountId } = await newAccount();
    const rx = new Receiver();
    await rx.script([], { status: 500 });
    const [hookId] = await seedHooks(accountId, rx.url(), 1);
    const first = await measuredBatch(accountId, await storeEvent(accountId, Array(9).fill(hookId!)));
    expect(first.written.rows).toBe(0);
    const opening = await measuredBatch(accountId, await storeEvent(accountId, [hookId!]));
    expect(opening.written.rows).toBe(1);
    const row = await bindings.DB.prepare("select failing_since from hooks where id = ?").bind(hookId).first<{ failing_since: string | null }>();
    expect(row?.failing_since).not.toBeNull();
  });

  it("a rate-limited hook: one Durable Object call per delivery (admission), one per batch after", async () => {
    const { accountId } = await newAccount();
    const [hookId] = await seedHooks(accountId, new Receiver().url(), 1);
    await bindings.DB.prepare("update hooks set rate_limit_per_second = 1000 where id = ?").bind(hookId).run();
    const ids = await storeEvent(accountId, [hookId!, hookId!]);
    const b = await measuredBatch(accountId, ids);
    expect(b.result.explicitAcks).toHaveLength(2);
    expect(b.d1).toEqual({ roundTrips: 1, statements: 1 });
    // Two admissions; the two successes reach the object in one report.
    expect(b.hookMethods()).toEqual(["admit", "admit", "recordAttempts"]);
  });

  it("deliveries a rate limit holds back: one sendBatch for all of the batch's postponed copies, nothing written for them", async () => {
    const { accountId } = await newAccount();
    const [hookId] = await seedHooks(accountId, new Receiver().url(), 1);
    // One token every 2 s: the first delivery takes it, the others would wait longer than the consumer sleeps in place.
    await bindings.DB.prepare("update hooks set rate_limit_per_second = 0.5 where id = ?").bind(hookId).run();
    const ids = await storeEvent(accountId, [hookId!, hookId!, hookId!]);
    const b = await measuredBatch(accountId, ids);
    expect(b.result.explicitAcks).toHaveLength(3);
    expect(b.deliveries).toEqual({ sendCalls: 1, messages: 2 });
    // The one attempt, a first-try success, waits for the flush; the postponed deliveries write nothing.
    expect(b.d1).toEqual({ roundTrips: 1, statements: 1 });
    expect(b.logRows).toBe(0);
  });
});

describe("two accounts share no writer", () => {
  it("publishing and delivering for two accounts write nothing to D1 and touch no common Durable Object", async () => {
    const touched: Array<Set<string>> = [];
    for (const _ of [1, 2]) {
      const { accountId, key } = await newAccount();
      const hookIds = await seedHooks(accountId, new Receiver().url(), 2);
      const published = await measuredPublish(accountId, key, { type: "cost.test", payload: {} });
      const ids = (await logShard(accountId).event(published.answer.id))!.deliveries.map((d) => d.id);
      const delivered = await measuredBatch(accountId, ids);
      expect(delivered.result.explicitAcks).toHaveLength(2);
      for (const m of [published, delivered]) expect(m.written.rows).toBe(0);
      const objects = [published, delivered].flatMap((m) => [...m.logCalls, ...m.hookCalls].map((c) => c.name));
      // Its own log object, and its own hooks' objects: nothing else.
      expect(new Set(objects)).toEqual(new Set([`${accountId}:0`, ...hookIds]));
      touched.push(new Set(objects));
    }
    expect([...touched[0]!].filter((name) => touched[1]!.has(name))).toEqual([]);
  });
});
