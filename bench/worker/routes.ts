import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { findAccount } from "../../src/db/accounts";
import { getDb } from "../../src/db/client";
import { logOf, type DeliveryLog } from "../../src/durable/delivery-log";
import { deliveryIdOf, newLogId } from "../../src/domain/log-ids";
import type { Env } from "../../src/env";
import { ApiError } from "../../src/errors";
import type { AppEnv } from "../../src/http/context";
import { auth, newRouter } from "../../src/http/route";
import { errorResponses, jsonBody, jsonResponse } from "../../src/schemas/common";
import { benchConfig } from "./config";
import { unmeteredEnv } from "./instrument";
import { count, reset, snapshot } from "./metrics";

// The bench's window on the usage counters (./metrics.ts), served by its entry point (./index.ts)
// only: the production Worker has no such routes. Admin only: the counters span every account.

const MetricsReport = z
  .object({
    enabled: z.boolean().openapi({ description: "Whether this router counts (the METRICS var is \"true\"); when false every counter stays 0" }),
    counters: z.record(z.string(), z.number().int()).openapi({
      description: "Billed usage this isolate counted since the last reset: D1 round trips, statements, rows read and written; queue messages written, read, acknowledged and retried; Durable Object calls; outbound subrequests; Worker invocations",
      example: { "d1.round_trips": 2, "d1.statements": 3, "queue.messages_written": 1 },
    }),
  })
  .openapi("MetricsReport");

const tags = ["Admin"];

export const metricsRouter = newRouter();

metricsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/admin/metrics",
    tags,
    ...auth.admin(),
    summary: "Usage counters since the last reset (counted only when the METRICS var is \"true\")",
    responses: { 200: jsonResponse(MetricsReport, "The counters"), ...errorResponses(401) },
  }),
  (c) => {
    const { METRICS } = benchConfig(c.env);
    if (METRICS) count("api", "metrics_requests");
    return c.json({ enabled: METRICS, counters: snapshot() }, 200);
  },
);

metricsRouter.openapi(
  createRoute({
    method: "delete",
    path: "/v1/admin/metrics",
    tags,
    ...auth.admin(),
    summary: "Reset the usage counters; answers their values before the reset",
    responses: { 200: jsonResponse(MetricsReport, "The counters before the reset"), ...errorResponses(401) },
  }),
  (c) => {
    const { METRICS } = benchConfig(c.env);
    if (METRICS) count("api", "metrics_requests");
    const before = snapshot();
    reset();
    return c.json({ enabled: METRICS, counters: before }, 200);
  },
);

// Metrics-only (404 unless METRICS is "true"): what the delivery log's objects of one account wrote
// and store (DeliveryLog.usage: rows written counted from SQLite's own cursor counts since the object
// started, every index entry included; the database's size in bytes), and a measured retention purge.
// Their own calls go through the unmetered bindings: reading a meter is not the usage it measures.

const LogUsage = z
  .object({
    account_id: z.string(),
    shards: z.array(z.object({ shard: z.number().int(), rows_written: z.number().int(), database_bytes: z.number().int() })),
  })
  .openapi("LogUsage");

const PurgeProbeRequest = z
  .object({
    events: z.number().int().min(1).max(20_000).openapi({ description: "Events of one delivery each seeded into the day `days_ago` days back" }),
    days_ago: z.number().int().min(2).max(1000).openapi({ description: "More than the account's retention_days, so the purge drops that day" }),
    payload_bytes: z.number().int().min(0).max(65_536).default(1024),
  })
  .openapi("PurgeProbeRequest");

const PurgeProbeReport = z
  .object({
    seeded_events: z.number().int(),
    seed_rows_written: z.number().int().openapi({ description: "Rows the seeding wrote (the events with their deliveries)" }),
    purge_rows_written: z.number().int().openapi({ description: "Rows the alarm's upkeep (purge included) wrote, by the object's SQLite count" }),
    database_bytes_before: z.number().int(),
    database_bytes_after: z.number().int(),
    seeded_event_kept: z.boolean().openapi({ description: "Whether a seeded event could still be read after the purge (false: dropped)" }),
  })
  .openapi("PurgeProbeReport");

const AccountParam = z.object({ account_id: z.string().min(1).max(64).openapi({ param: { name: "account_id", in: "path" } }) });

/** The account's log objects through the unmetered namespace; 404 with METRICS off or for an unknown account. */
async function accountLogs(c: Context<AppEnv>, accountId: string): Promise<{ env: Env; shards: Array<DurableObjectStub<DeliveryLog>>; retentionDays: number }> {
  if (!benchConfig(c.env).METRICS) throw ApiError.notFound("route");
  count("api", "metrics_requests");
  const env = unmeteredEnv(c.env);
  const account = await findAccount(getDb(env.DB), accountId);
  if (!account) throw ApiError.notFound("account");
  return { env, shards: Array.from({ length: account.logShards }, (_, i) => logOf(env.DELIVERY_LOG, accountId, i)), retentionDays: account.retentionDays };
}

metricsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/admin/metrics/log/{account_id}",
    tags,
    ...auth.admin(),
    summary: "METRICS only: rows written and bytes stored by each of the account's delivery log objects (buffered first successes flushed first)",
    request: { params: AccountParam },
    responses: { 200: jsonResponse(LogUsage, "Per shard"), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const accountId = c.req.valid("param").account_id;
    const { shards } = await accountLogs(c, accountId);
    const usage = await Promise.all(shards.map((s) => s.usage()));
    return c.json({ account_id: accountId, shards: usage.map((u, shard) => ({ shard, rows_written: u.rowsWritten, database_bytes: u.databaseBytes })) }, 200);
  },
);

metricsRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/admin/metrics/log/{account_id}/purge",
    tags,
    ...auth.admin(),
    summary: "METRICS only: seeds a past day's partition of the account's shard 0 and runs the log alarm's upkeep (the retention purge) once, measuring the rows it writes",
    request: { params: AccountParam, ...jsonBody(PurgeProbeRequest) },
    responses: { 200: jsonResponse(PurgeProbeReport, "What the purge wrote"), ...errorResponses(400, 401, 404, 415) },
  }),
  async (c) => {
    const accountId = c.req.valid("param").account_id;
    const { events, days_ago, payload_bytes } = PurgeProbeRequest.parse(c.req.valid("json"));
    const { shards, retentionDays } = await accountLogs(c, accountId);
    if (days_ago <= retentionDays) throw ApiError.unprocessable(`days_ago must be over the account's retention_days (${retentionDays})`, "days_ago");
    const log = shards[0]!;
    const meta = { accountId, shard: 0, retentionDays };
    const at = Date.now() - days_ago * 86_400_000;
    const payload = JSON.stringify({ pad: "x".repeat(Math.max(0, payload_bytes - 10)) });
    const before = await log.usage();
    let first = "";
    for (let i = 0; i < events; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, events - i) }, () => {
          const createdAt = new Date(at).toISOString();
          const event = { id: newLogId("evt", 0, at), accountId, type: "bench.purge", payload, applications: null, workId: null, idempotencyKey: null, createdAt };
          first ||= event.id;
          return log.publish({ meta, event, hookIds: ["hook_purge_probe"] });
        }),
      );
    }
    const seeded = await log.usage();
    // Nothing the purge leaves is open (the seeded day is dropped): the re-send's queue is never called.
    const noQueue = { DELIVERIES: { sendBatch: async () => {} } } as unknown as Pick<Env, "DELIVERIES">;
    await log.upkeep(noQueue);
    const after = await log.usage();
    const kept = (await log.delivery(deliveryIdOf(first, 0))) !== null;
    return c.json(
      {
        seeded_events: events,
        seed_rows_written: seeded.rowsWritten - before.rowsWritten,
        purge_rows_written: after.rowsWritten - seeded.rowsWritten,
        database_bytes_before: seeded.databaseBytes,
        database_bytes_after: after.databaseBytes,
        seeded_event_kept: kept,
      },
      200,
    );
  },
);
