import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { envRecordingDeliveries } from "../helpers/consumer";
import { createHook } from "../helpers/delivery";
import { seedDeliveries } from "../helpers/seed-deliveries";

// The delivery queue refusing a send (Queues unavailable): the Worker's fetch handler is called with
// the project's bindings but a DELIVERIES queue whose every send throws (test/helpers/consumer.ts).
// Whatever the request wrote before asking the queue must be undone, so the producer's retry starts
// clean and no delivery waits for a message that was never sent.

const db = (env as unknown as { DB: D1Database }).DB;
const HOUR = 3_600_000;

async function countsOf(accountId: string): Promise<Record<string, number>> {
  const counted: Record<string, number> = {};
  for (const table of ["events", "deliveries", "idempotency_keys"]) {
    counted[table] = (await db.prepare(`select count(*) as n from ${table} where account_id = ?`).bind(accountId).first<{ n: number }>())!.n;
  }
  return counted;
}

/** What a requeue changes and its undo must put back, per delivery. */
async function statesOf(ids: string[]): Promise<Array<{ id: string; status: string; next_attempt_at: string | null; attempts: number }>> {
  const rows = await db
    .prepare("select id, status, next_attempt_at, attempts from deliveries where id in (select value from json_each(?)) order by id")
    .bind(JSON.stringify(ids))
    .all<{ id: string; status: string; next_attempt_at: string | null; attempts: number }>();
  return rows.results;
}

function expectQueueUnavailable(answer: Awaited<ReturnType<typeof call>>): void {
  expectErrorShape(answer, 503, "internal_error");
  expect(answer.headers.get("retry-after")).toBe("5");
}

describe("when the delivery queue refuses", () => {
  it("a publish answers 503 with Retry-After, and leaves no event, delivery or idempotency claim: the retry starts clean", async () => {
    const { accountId, key } = await newAccount();
    await createHook(key, { url: "https://hooks.example.com/paid", events: ["order.paid"] });
    const refusing = envRecordingDeliveries("refuse");
    const publish = (bindings = refusing.env) =>
      call("POST", "/v1/events", { token: key, env: bindings, body: { type: "order.paid", payload: { order: 7 } }, headers: { "idempotency-key": "order-7" } });

    expectQueueUnavailable(await publish());
    expect(refusing.sent).toHaveLength(1); // the queue was asked, and refused
    expect(await countsOf(accountId)).toEqual({ events: 0, deliveries: 0, idempotency_keys: 0 });

    // The producer retries with the same key once the queue takes messages again (here: kept back,
    // so nothing is delivered to the public host): a new event, not a repeat of the undone one.
    const accepting = envRecordingDeliveries(false);
    const accepted = await publish(accepting.env);
    expect(accepted.status).toBe(202);
    expect(accepted.body.deliveries).toBe(1);
    expect(accepting.sent.map((s) => s.body.delivery_id)).toHaveLength(1);
    expect(await countsOf(accountId)).toEqual({ events: 1, deliveries: 1, idempotency_keys: 1 });
    const [stored] = (await db.prepare("select id from events where account_id = ?").bind(accountId).all<{ id: string }>()).results;
    expect(stored!.id).toBe(accepted.body.id);
  });

  it("a retry or a recover answers 503, and the dead, skipped and failed deliveries it reopened are as they were", async () => {
    const { accountId, key } = await newAccount();
    const hook = await createHook(key, { url: "https://hooks.example.com/jobs", events: [] });
    const createdAt = new Date(Date.now() - HOUR).toISOString();
    const ids = await seedDeliveries(accountId, "job.done", [
      { hookId: hook.id, status: "dead", createdAt },
      { hookId: hook.id, status: "skipped", createdAt },
      { hookId: hook.id, status: "failed", createdAt },
    ]);
    const [dead, skipped] = ids as [string, string, string];
    const before = await statesOf(ids);
    expect(before.map((d) => d.status).sort()).toEqual(["dead", "failed", "skipped"]);

    const refusing = envRecordingDeliveries("refuse");
    for (const id of [dead, skipped]) {
      expectQueueUnavailable(await call("POST", `/v1/deliveries/${id}/retry`, { token: key, env: refusing.env, body: {} }));
      expect(await statesOf(ids)).toEqual(before);
    }
    // recover reopens the dead one and requeues the failed one (skipped ones are not recovered).
    const since = new Date(Date.now() - 2 * HOUR).toISOString();
    expectQueueUnavailable(await call("POST", `/v1/hooks/${hook.id}/recover`, { token: key, env: refusing.env, body: { since } }));
    expect(await statesOf(ids)).toEqual(before);
    // Each call did ask the queue (the requeue was attempted, not refused earlier for another reason).
    expect(refusing.sent.map((s) => s.body.delivery_id).sort()).toEqual([dead, skipped, ...ids.filter((id) => id !== skipped)].sort());
  });
});
