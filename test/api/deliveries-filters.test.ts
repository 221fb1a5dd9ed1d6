import { describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { seedDeliveries } from "../helpers/log";

// The portal's delivery filters: event type and creation time, with the hook and status filters.

describe("GET /v1/deliveries?event_type=&created_after=&created_before=", () => {
  it("keeps only the deliveries of that event type, created in that period", async () => {
    const acc = await newAccount("filters");
    const hook = (await call("POST", "/v1/hooks", { token: acc.key, body: { name: "h", url: "https://example.com/h" } })).body.id;
    const [early, late] = ["2026-01-01T10:00:00.000Z", "2026-01-01T12:00:00.500Z"];
    const failed = await seedDeliveries(acc.accountId, "job_run.failed", [
      { hookId: hook, status: "dead", createdAt: early },
      { hookId: hook, status: "succeeded", createdAt: late },
    ]);
    const created = await seedDeliveries(acc.accountId, "job_run.created", [{ hookId: hook, status: "dead", createdAt: late }]);
    const ids = async (q: string) => {
      const res = await call("GET", `/v1/deliveries?${q}`, { token: acc.key });
      expect(res.status, q).toBe(200);
      return res.body.data.map((d: { id: string }) => d.id).sort();
    };
    expect(await ids("event_type=job_run.failed")).toEqual([...failed].sort());
    expect(await ids("event_type=job_run.created")).toEqual(created);
    expect(await ids("created_after=2026-01-01T12:00:00Z")).toEqual([failed[1], created[0]].sort());
    expect(await ids("created_before=2026-01-01T12:00:00.500Z")).toEqual([failed[0]]);
    expect(await ids("created_after=2026-01-01T11:00:00%2B01:00&created_before=2026-01-01T11:00:00Z")).toEqual([failed[0]]); // 10:00Z inclusive
    expect(await ids("event_type=job_run.failed&status=dead")).toEqual([failed[0]]);
    expect(await ids(`hook_id=${hook}&event_type=nothing.here`)).toEqual([]);
    expectErrorShape(await call("GET", "/v1/deliveries?created_after=yesterday", { token: acc.key }), 400, "validation_failed");
    expectErrorShape(await call("GET", "/v1/deliveries?event_type=has%20space", { token: acc.key }), 400, "validation_failed");
  });
});
