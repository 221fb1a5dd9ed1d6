import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, newAccount } from "../helpers/api";

// The bench's metrics-only routes (bench/worker/routes.ts): the delivery log's usage of an account
// and a measured retention purge. The production Worker has none of them; the bench's entry point
// (bench/worker/, reached with a METRICS binding: test/helpers/api.ts) serves them, admin only, and
// without METRICS="true" they answer 404 and nothing is seeded or purged.

describe("metrics-only delivery log routes", () => {
  it("do not exist in the production Worker; in the bench's, 404 with METRICS off, even to the admin; 401 without the admin token", async () => {
    const { accountId, key } = await newAccount();
    for (const token of [ADMIN_TOKEN, key]) {
      expect((await call("GET", "/v1/admin/metrics", { token })).status).toBe(404);
      expect((await call("GET", `/v1/admin/metrics/log/${accountId}`, { token })).status).toBe(404);
    }
    const off = { METRICS: "false" };
    const admin = { token: ADMIN_TOKEN, bindings: off };
    expect((await call("GET", `/v1/admin/metrics/log/${accountId}`, admin)).status).toBe(404);
    const purge = await call("POST", `/v1/admin/metrics/log/${accountId}/purge`, { ...admin, body: { events: 1, days_ago: 40 } });
    expect(purge.status).toBe(404);
    expect((await call("GET", `/v1/admin/metrics/log/${accountId}`, { token: key, bindings: off })).status).toBe(401);
    expect((await call("GET", "/v1/events?limit=10", { token: key })).body.data).toEqual([]);
  });

  it("with METRICS on: the log's rows written and bytes; the purge drops a seeded past day and writes no row for it", async () => {
    const { accountId, key } = await newAccount();
    const opts = { token: ADMIN_TOKEN, bindings: { METRICS: "true" } };
    const before = await call("GET", `/v1/admin/metrics/log/${accountId}`, opts);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ account_id: accountId, shards: [{ shard: 0, rows_written: expect.any(Number), database_bytes: expect.any(Number) }] });
    const purge = await call("POST", `/v1/admin/metrics/log/${accountId}/purge`, { ...opts, body: { events: 20, days_ago: 40, payload_bytes: 100 } });
    expect(purge.status).toBe(200);
    // The 20 events, and the day's tables made on its first event (their schema rows).
    expect(purge.body).toMatchObject({ seeded_events: 20, purge_rows_written: 0, seeded_event_kept: false });
    expect(purge.body.seed_rows_written).toBeGreaterThanOrEqual(20);
    expect(purge.body.database_bytes_after).toBeLessThan(purge.body.database_bytes_before);
    // Within the retention: refused, nothing seeded.
    expect((await call("POST", `/v1/admin/metrics/log/${accountId}/purge`, { ...opts, body: { events: 1, days_ago: 10 } })).status).toBe(422);
    expect((await call("GET", "/v1/events?limit=10", { token: key })).body.data).toEqual([]);
  });
});
