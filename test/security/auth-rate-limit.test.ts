import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { ADMIN_TOKEN, call, expectErrorShape, newAccount, type Answer } from "../helpers/api";
import { ClockedRateLimiter, envWithClockedLimiters } from "../helpers/clocked-limiter";

// This project's AUTH_RATE_LIMITER allows TEST_AUTH_RATE_LIMIT requests per client address per 10 s
// window (see vitest.config.ts): admin requests, and requests refused for their credentials. Each
// test speaks from an address of its own (CF-Connecting-IP, as Cloudflare sets it). The exact counts
// are checked against a limiter of the same limit and window on the test's clock (a window turning
// during the run, or 150 requests not fitting in 10 s under load, cannot change them); the last test
// checks the project's own binding.
const LIMIT = Number((env as unknown as { TEST_AUTH_RATE_LIMIT: string }).TEST_AUTH_RATE_LIMIT);
const db = (env as unknown as { DB: D1Database }).DB;

/** A fresh per-address budget on the test's clock, at the start of a window, and the bindings using it. */
function clockedAuthBudget(): { limiter: ClockedRateLimiter; bindings: Env } {
  const limiter = new ClockedRateLimiter(LIMIT);
  return { limiter, bindings: envWithClockedLimiters({ auth: limiter }) };
}

/** A random documentation /64 (RFC 3849): the per-address budget counts an IPv6 client by its /64. */
const newPrefix = () => `2001:db8:${[...crypto.getRandomValues(new Uint16Array(2))].map((x) => x.toString(16)).join(":")}`;
/** A documentation address in a /64 no other test uses. */
const newAddress = () => `${newPrefix()}::1`;

const from = (ip: string) => ({ "cf-connecting-ip": ip });

/** Requests refused for their credentials, of every kind the API has. */
function badCredentials(ip: string, i: number, bindings?: Env): Promise<Answer> {
  const as = { headers: from(ip), env: bindings };
  switch (i % 5) {
    case 0:
      return call("GET", "/v1/hooks", as);
    case 1:
      return call("GET", "/v1/hooks", { token: "not-a-key", ...as });
    case 2:
      return call("GET", "/v1/events", { token: `hrk_${"x".repeat(40)}${i}`, ...as });
    case 3:
      return call("GET", "/v1/deliveries", { token: "hrp_forged.portal.token", ...as });
    default:
      return call("POST", "/v1/accounts", { token: `wrong-admin-token-${i}`, body: { name: "guess" }, ...as });
  }
}

async function accountsNamed(name: string): Promise<number> {
  return (await db.prepare("select count(*) as n from accounts where name = ?").bind(name).first<{ n: number }>())!.n;
}

describe("per-address limit on failed authentication", () => {
  it("answers 429 with Retry-After once an address has failed the budget's worth, and stops it trying the admin token", async () => {
    const { key } = await newAccount("auth-limit");
    const ip = newAddress();
    const { limiter, bindings } = clockedAuthBudget();
    for (let i = 0; i < LIMIT; i++) expectErrorShape(await badCredentials(ip, i, bindings), 401, "unauthorized");
    const refused = await badCredentials(ip, LIMIT, bindings);
    expectErrorShape(refused, 429, "rate_limited");
    expect(refused.headers.get("retry-after")).toBe("10");
    expect(refused.body.error.request_id).toBe(refused.headers.get("x-request-id"));
    expect(refused.body.error.message).toMatch(/without valid credentials/);

    // While the address is over budget: every kind of bad credential is refused with 429...
    for (let i = 0; i < 5; i++) expectErrorShape(await badCredentials(ip, i, bindings), 429, "rate_limited");
    // ...the admin token is not even compared (the right one is refused too, and wrote nothing)...
    const name = `throttled-${ip}`;
    expectErrorShape(await call("POST", "/v1/accounts", { token: ADMIN_TOKEN, body: { name }, headers: from(ip), env: bindings }), 429, "rate_limited");
    expect(await accountsNamed(name)).toBe(0);
    // ...but a valid API key from the same address is served (one bad client cannot lock others out),
    expect((await call("GET", "/v1/hooks", { token: key, headers: from(ip), env: bindings })).status).toBe(200);
    // and another address has a budget of its own.
    expectErrorShape(await badCredentials(newAddress(), 1, bindings), 401, "unauthorized");

    // Retry-After is honest: just before it has passed the address is still refused, once it has, answered 401 again.
    const retryAfterMs = Number(refused.headers.get("retry-after")) * 1000;
    limiter.advance(retryAfterMs - 1);
    expectErrorShape(await badCredentials(ip, 1, bindings), 429, "rate_limited");
    limiter.advance(1);
    expectErrorShape(await badCredentials(ip, 1, bindings), 401, "unauthorized");
  });

  it("counts an IPv6 client by its /64: every address in it spends one budget, the next /64 has its own", async () => {
    const prefix = newPrefix();
    // One window throughout: the clocked limiter's window only turns when the test advances it.
    const { bindings } = clockedAuthBudget();
    // A client rotating through its /64, a fresh address for every guess.
    for (let i = 0; i < LIMIT; i++) expectErrorShape(await badCredentials(`${prefix}::${(i + 1).toString(16)}`, i, bindings), 401, "unauthorized");
    expectErrorShape(await badCredentials(`${prefix}:ffff:ffff:ffff:fffe`, LIMIT, bindings), 429, "rate_limited");
    expectErrorShape(await call("GET", "/v1/admin/encryption-keys", { token: ADMIN_TOKEN, headers: from(`${prefix}:0:0:0:abcd`), env: bindings }), 429, "rate_limited");
    expectErrorShape(await badCredentials(`${newPrefix()}::1`, 1, bindings), 401, "unauthorized");
  });

  it("counts every admin request of an address, the right token too, before comparing it", async () => {
    const ip = newAddress();
    const { bindings } = clockedAuthBudget();
    // Served (the empty body is refused by validation, after the token: no account is created).
    for (let i = 0; i < LIMIT; i++) expectErrorShape(await call("POST", "/v1/accounts", { token: ADMIN_TOKEN, body: {}, headers: from(ip), env: bindings }), 400);
    const refused = await call("GET", "/v1/admin/encryption-keys", { token: ADMIN_TOKEN, headers: from(ip), env: bindings });
    expectErrorShape(refused, 429, "rate_limited");
    expect(refused.headers.get("retry-after")).toBe("10");
    expect(refused.body.error.message).toMatch(/admin API/);
  });

  it("counts an admin request once: the route's declared credential is its only check, on the bench's routes too", async () => {
    const ip = newAddress();
    const { bindings } = clockedAuthBudget();
    // The bench's entry point (METRICS set, off) adds its admin routes to the production Worker's.
    const bench = { ...bindings, METRICS: "false" } as Env;
    for (let i = 0; i < LIMIT; i++) expect((await call("GET", "/v1/admin/metrics", { token: ADMIN_TOKEN, headers: from(ip), env: bench })).status).toBe(200);
    expectErrorShape(await call("GET", "/v1/admin/encryption-keys", { token: ADMIN_TOKEN, headers: from(ip), env: bindings }), 429, "rate_limited");
  });

  it("is the project's AUTH_RATE_LIMITER binding: an address sending twice its budget at once is refused, and only over budget", async () => {
    // At once, so the burst spans at most two of the binding's clock-aligned windows: one of them
    // then holds more than LIMIT of its requests.
    const ip = newAddress();
    const answers = await Promise.all(Array.from({ length: 2 * LIMIT + 1 }, () => call("GET", "/v1/hooks", { headers: from(ip) })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(LIMIT);
    expect(statuses).toContain(429);
  });
});
