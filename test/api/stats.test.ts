import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { seedDeliveries, seedManyDeliveries } from "../helpers/log";

const HOUR = 3_600_000;
const hourStart = (ms: number) => Math.floor(ms / HOUR) * HOUR;
const at = (ms: number) => new Date(ms).toISOString();

async function newHook(key: string, name: string): Promise<string> {
  const res = await call("POST", "/v1/hooks", { token: key, body: { name, url: `https://example.com/${name}` } });
  expect(res.status).toBe(201);
  return res.body.id;
}

/**
 * GET `path`, checked to answer the window that ends with the hour it was served in (which the test
 * cannot fix: an hour may turn between seeding and reading), and a function that gives the index in
 * its `hours` of the hour holding an instant, by which the seeded deliveries are looked up.
 */
async function statsOf(key: string, path: string): Promise<{ body: any; indexOf: (ms: number) => number }> {
  const before = Date.now();
  const res = await call("GET", path, { token: key });
  const after = Date.now();
  expect(res.status).toBe(200);
  const { since, hours } = res.body;
  expect(hours[0].hour).toBe(since);
  hours.forEach((h: { hour: string }, i: number) => expect(h.hour).toBe(at(Date.parse(since) + i * HOUR)));
  expect(Date.parse(hours[hours.length - 1].hour)).toBeGreaterThanOrEqual(hourStart(before));
  expect(Date.parse(hours[hours.length - 1].hour)).toBeLessThanOrEqual(hourStart(after));
  return { body: res.body, indexOf: (ms) => Math.floor((ms - Date.parse(since)) / HOUR) };
}

describe("GET /v1/stats and GET /v1/hooks/{id}/stats", () => {
  let key: string;
  let h1: string;
  let h2: string;
  // The seeded deliveries' times: two hours before the hour the seed is written in, and in that hour.
  const now = Date.now();
  const seedHour = hourStart(now);
  const twoHoursBefore = seedHour - 2 * HOUR + 60_000;

  beforeAll(async () => {
    const acc = await newAccount("stats");
    key = acc.key;
    [h1, h2] = [await newHook(key, "one"), await newHook(key, "two")];
    await seedDeliveries(acc.accountId, "job_run.failed", [
      // two hours before: h1 3 succeeded, 1 failed
      ...[0, 1, 2].map(() => ({ hookId: h1, status: "succeeded" as const, createdAt: at(twoHoursBefore) })),
      { hookId: h1, status: "failed", createdAt: at(twoHoursBefore + 60_000) },
      // the seed's hour: h2 2 dead, 1 pending; h1 1 skipped
      { hookId: h2, status: "dead", createdAt: at(seedHour) },
      { hookId: h2, status: "dead", createdAt: at(now - 1) },
      { hookId: h2, status: "pending", createdAt: at(now - 1) },
      { hookId: h1, status: "skipped", createdAt: at(now - 1) },
      // 30 hours ago: outside the default window
      ...[0, 1, 2, 3, 4].map(() => ({ hookId: h1, status: "succeeded" as const, createdAt: at(now - 30 * HOUR) })),
    ]);
    // another account's deliveries never count
    const other = await newAccount("other");
    await seedDeliveries(other.accountId, "job_run.failed", [{ hookId: "hook_of_another_account", status: "succeeded", createdAt: at(now - 1) }]);
  });

  it("counts the account's deliveries per hour by outcome over the last 24 hours, empty hours included", async () => {
    const { body: s, indexOf } = await statsOf(key, "/v1/stats");
    expect(s.hours).toHaveLength(24);
    expect(s.totals).toEqual({ succeeded: 3, failed: 1, dead: 2, pending: 1, skipped: 1, total: 8 });
    expect(s.success_rate).toBeCloseTo(3 / 6);
    expect(s.hours[indexOf(twoHoursBefore)]).toEqual({ hour: at(seedHour - 2 * HOUR), succeeded: 3, failed: 1, dead: 0, pending: 0, skipped: 0, total: 4 });
    expect(s.hours[indexOf(seedHour)]).toEqual({ hour: at(seedHour), succeeded: 0, failed: 0, dead: 2, pending: 1, skipped: 1, total: 4 });
    expect(s.hours.filter((x: { total: number }) => x.total > 0)).toHaveLength(2);
    expect(s.hooks).toEqual([
      { hook_id: h1, totals: { succeeded: 3, failed: 1, dead: 0, pending: 0, skipped: 1, total: 5 }, success_rate: 0.75 },
      { hook_id: h2, totals: { succeeded: 0, failed: 0, dead: 2, pending: 1, skipped: 0, total: 3 }, success_rate: 0 },
    ]);
  });

  it("answers one hook's series, and a wider window on request", async () => {
    const one = await statsOf(key, `/v1/hooks/${h1}/stats`);
    expect(one.body.hook_id).toBe(h1);
    expect(one.body.totals).toEqual({ succeeded: 3, failed: 1, dead: 0, pending: 0, skipped: 1, total: 5 });
    expect(one.body.success_rate).toBe(0.75);
    expect(one.body.hours[one.indexOf(twoHoursBefore)].total).toBe(4);

    const wide = await statsOf(key, `/v1/hooks/${h1}/stats?hours=48`);
    expect(wide.body.hours).toHaveLength(48);
    expect(wide.body.totals.succeeded).toBe(8);
    expect(wide.body.hours[wide.indexOf(now - 30 * HOUR)].succeeded).toBe(5);
  });

  it("refuses a bad window and another account's hook", async () => {
    expectErrorShape(await call("GET", "/v1/stats?hours=0", { token: key }), 400, "validation_failed");
    expectErrorShape(await call("GET", "/v1/stats?hours=169", { token: key }), 400, "validation_failed");
    const other = await newAccount("stranger");
    expectErrorShape(await call("GET", `/v1/hooks/${h1}/stats`, { token: other.key }), 404, "not_found");
    expect((await call("GET", "/v1/stats", { token: other.key })).body.totals.total).toBe(0);
  });
});

describe("stats at 100,000 deliveries", () => {
  // How quickly they answer is the bench's to measure (bench/phases/bounds.ts); here: that the answer
  // is right. The counts are read from the account's delivery log (one statement per day partition);
  // the log's query plans are checked by test/log/query-plans.test.ts.
  // Seeding 100,000 records takes what the machine takes: no bound on it beyond a generous timeout.
  it("count every delivery, for the account and for one hook", { timeout: 120_000 }, async () => {
    const acc = await newAccount("busy");
    const hooks = [await newHook(acc.key, "a"), await newHook(acc.key, "b"), await newHook(acc.key, "c"), await newHook(acc.key, "d")];
    const now = Date.now();
    await seedManyDeliveries(acc.accountId, hooks, 100_000, now, 22 * HOUR); // inside the window even if the hour turns meanwhile

    const all = await call("GET", "/v1/stats", { token: acc.key });
    const one = await call("GET", `/v1/hooks/${hooks[0]}/stats`, { token: acc.key });
    expect(all.status).toBe(200);
    expect(one.status).toBe(200);

    expect(all.body.totals.total).toBe(100_000);
    expect(all.body.totals.succeeded).toBe(62_500);
    expect(all.body.hooks).toHaveLength(4);
    expect(one.body.totals.total).toBe(25_000);
    expect(all.body.hours.reduce((n: number, h: { total: number }) => n + h.total, 0)).toBe(100_000);
  });
});
