import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, expectErrorShape, newAccount, type Answer } from "../helpers/api";
import { waitForDeliveryRequests } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// This project's API_RATE_LIMITER allows TEST_RATE_LIMIT requests per key per 10 s window (see
// vitest.config.ts). Windows are aligned to the clock, so a run of requests may straddle two of them:
// 2 * limit + 1 requests in a row are always enough to go over.
const LIMIT = Number((env as unknown as { TEST_RATE_LIMIT: string }).TEST_RATE_LIMIT);
const db = (env as unknown as { DB: D1Database }).DB;

async function hookNames(accountId: string): Promise<string[]> {
  const rows = await db.prepare("select name from hooks where account_id = ? order by name").bind(accountId).all<{ name: string }>();
  return rows.results.map((r) => r.name);
}

describe("per-API-key rate limit", () => {
  it("answers 429 with Retry-After once a key is over its budget, and the refused request wrote nothing", async () => {
    const { accountId, key } = await newAccount("throttled");
    const rx = new Receiver();
    const created: string[] = [];
    let refused: { name: string; answer: Answer } | undefined;
    for (let i = 0; i < 2 * LIMIT + 1 && !refused; i++) {
      const name = `burst-${String(i).padStart(3, "0")}`;
      const answer = await call("POST", "/v1/hooks", { token: key, body: { name, url: rx.url() } });
      if (answer.status === 201) created.push(name);
      else if (answer.status === 429) refused = { name, answer };
      else throw new Error(`unexpected ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    expect(refused, "no 429 within 2 * limit + 1 requests").toBeDefined();
    expectErrorShape(refused!.answer, 429, "rate_limited");
    expect(refused!.answer.headers.get("retry-after")).toBe("10");
    expect(refused!.answer.body.error.request_id).toBe(refused!.answer.headers.get("x-request-id"));

    // Exactly the accepted creates exist: the refused one left no row behind.
    expect(await hookNames(accountId)).toEqual(created);
    expect(created).not.toContain(refused!.name);

    // Reads and every other route are refused too while the key is over budget (unless the clock
    // just crossed into the next window, which the binding's windows are aligned to)...
    const windowOf = () => Math.floor(Date.now() / 10_000);
    const window = windowOf();
    const read = await call("GET", "/v1/hooks", { token: key });
    if (windowOf() === window) expectErrorShape(read, 429, "rate_limited");
    // ...but the budget is per key: a second key of the same account and the admin API still work.
    const second = await call("POST", `/v1/accounts/${accountId}/keys`, { token: ADMIN_TOKEN, body: { name: "second" } });
    expect(second.status).toBe(201);
    const listed = await call("GET", "/v1/hooks", { token: second.body.key });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((h: { name: string }) => h.name).sort()).toEqual(created);

    // Retry-After is honest: after waiting that long, the key is served again.
    await new Promise((r) => setTimeout(r, 10_000));
    expect((await call("GET", "/v1/hooks", { token: key })).status).toBe(200);
  });

  it("refuses ingest over the budget with nothing half-written: no event, delivery or idempotency claim", async () => {
    const { accountId, key } = await newAccount("ingest");
    const admin = await call("POST", `/v1/accounts/${accountId}/keys`, { token: ADMIN_TOKEN, body: { name: "setup" } });
    const rx = new Receiver();
    for (const name of ["a", "b"]) {
      expect((await call("POST", "/v1/hooks", { token: admin.body.key, body: { name, url: rx.url(), events: ["job.done"] } })).status).toBe(201);
    }
    const accepted: string[] = [];
    let refused: Answer | undefined;
    for (let i = 0; i < 2 * LIMIT + 1 && !refused; i++) {
      const a = await call("POST", "/v1/events", { token: key, body: { type: "job.done", payload: { i } }, headers: { "idempotency-key": `burst-${i}` } });
      if (a.status === 202) accepted.push(a.body.id);
      else if (a.status === 429) refused = a;
      else throw new Error(`unexpected ${a.status}: ${JSON.stringify(a.body)}`);
    }
    expect(refused, "no 429 within 2 * limit + 1 events").toBeDefined();
    expectErrorShape(refused!, 429, "rate_limited");
    expect(refused!.headers.get("retry-after")).toBe("10");

    const count = async (sql: string) => (await db.prepare(sql).bind(accountId).first<{ n: number }>())!.n;
    expect(await count("select count(*) as n from events where account_id = ?")).toBe(accepted.length);
    expect(await count("select count(*) as n from idempotency_keys where account_id = ?")).toBe(accepted.length);
    expect(await count("select count(*) as n from deliveries where account_id = ?")).toBe(accepted.length * 2);
    // The accepted ones are delivered (and nothing is still in flight when the receiver closes).
    expect(await waitForDeliveryRequests(rx, accepted.length * 2)).toHaveLength(accepted.length * 2);
  });

  it("does not count a request whose key is invalid against anyone's budget", async () => {
    const { key } = await newAccount("victim");
    const forged = key.slice(0, 12) + "x".repeat(key.length - 12);
    for (let i = 0; i < LIMIT + 5; i++) expectErrorShape(await call("GET", "/v1/hooks", { token: forged }), 401, "unauthorized");
    expect((await call("GET", "/v1/hooks", { token: key })).status).toBe(200);
  });
});
