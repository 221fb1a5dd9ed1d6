import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, expectErrorShape, newAccount, type Answer } from "../helpers/api";
import { waitForDeliveryRequests } from "../helpers/delivery";
import { ClockedRateLimiter, envWithClockedLimiters } from "../helpers/clocked-limiter";
import { logCounts } from "../helpers/log-counts";
import { Receiver } from "../helpers/receiver";

// This project's API_RATE_LIMITER allows TEST_RATE_LIMIT requests per key per 10 s window (see
// vitest.config.ts). Windows are aligned to the clock, so a run of requests may straddle two of them:
// 2 * limit + 1 requests in a row are always enough to go over. The checks that need exact counts
// within one window use a limiter of the same budget on the test's clock (test/helpers/clocked-limiter.ts).
const LIMIT = Number((env as unknown as { TEST_RATE_LIMIT: string }).TEST_RATE_LIMIT);
const db = (env as unknown as { DB: D1Database }).DB;

async function hookNames(accountId: string): Promise<string[]> {
  const rows = await db.prepare("select name from hooks where account_id = ? order by name").bind(accountId).all<{ name: string }>();
  return rows.results.map((r) => r.name);
}

describe("per-API-key rate limit", () => {
  it("answers 429 with Retry-After once a key is over its budget, and the refused request wrote nothing", async () => {
    // Exact counts on a limiter of the same budget on the test's clock: no window turns unless the test says so.
    const limiter = new ClockedRateLimiter(LIMIT);
    const bindings = envWithClockedLimiters({ api: limiter });
    const { accountId, key } = await newAccount("throttled");
    const rx = new Receiver();
    const created: string[] = [];
    for (let i = 0; i < LIMIT; i++) {
      const name = `burst-${String(i).padStart(3, "0")}`;
      const answer = await call("POST", "/v1/hooks", { token: key, body: { name, url: rx.url() }, env: bindings });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      created.push(name);
    }
    const refused = await call("POST", "/v1/hooks", { token: key, body: { name: "one-too-many", url: rx.url() }, env: bindings });
    expectErrorShape(refused, 429, "rate_limited");
    expect(refused.headers.get("retry-after")).toBe("10");
    expect(refused.body.error.request_id).toBe(refused.headers.get("x-request-id"));

    // Exactly the accepted creates exist: the refused one left no row behind.
    expect(await hookNames(accountId)).toEqual(created);

    // Reads and every other route are refused too while the key is over budget...
    expectErrorShape(await call("GET", "/v1/hooks", { token: key, env: bindings }), 429, "rate_limited");
    // ...but the budget is per key: a second key of the same account and the admin API still work.
    const second = await call("POST", `/v1/accounts/${accountId}/keys`, { token: ADMIN_TOKEN, body: { name: "second" }, env: bindings });
    expect(second.status).toBe(201);
    const listed = await call("GET", "/v1/hooks", { token: second.body.key, env: bindings });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((h: { name: string }) => h.name).sort()).toEqual(created);

    // Retry-After is honest: refused until it has passed, served once it has.
    const retryAfterMs = Number(refused.headers.get("retry-after")) * 1000;
    limiter.advance(retryAfterMs - 1);
    expectErrorShape(await call("GET", "/v1/hooks", { token: key, env: bindings }), 429, "rate_limited");
    limiter.advance(1);
    expect((await call("GET", "/v1/hooks", { token: key, env: bindings })).status).toBe(200);
  });

  it("gives a key's portal sessions a budget of their own: browsing cannot starve the key, nor the key the portal", async () => {
    const bindings = envWithClockedLimiters({ api: new ClockedRateLimiter(LIMIT) });
    const { key } = await newAccount("portal-budget");
    const session = await call("POST", "/v1/portal-sessions", { token: key, body: {}, env: bindings }); // the key's first request
    expect(session.status).toBe(201);
    const portal = session.body.token as string;
    // The portal spends its whole budget, and is refused beyond it...
    for (let i = 0; i < LIMIT; i++) expect((await call("GET", "/v1/hooks", { token: portal, env: bindings })).status).toBe(200);
    expectErrorShape(await call("GET", "/v1/hooks", { token: portal, env: bindings }), 429, "rate_limited");
    // ...while the key still has all of its own left but the session's minting.
    for (let i = 1; i < LIMIT; i++) expect((await call("GET", "/v1/hooks", { token: key, env: bindings })).status).toBe(200);
    expectErrorShape(await call("GET", "/v1/hooks", { token: key, env: bindings }), 429, "rate_limited");
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

    expect(await logCounts(accountId)).toEqual({ events: accepted.length, deliveries: accepted.length * 2, idempotency_keys: accepted.length });
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
