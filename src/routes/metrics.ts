import { createRoute } from "@hono/zod-openapi";
import { newRouter } from "../http/context";
import { reset, snapshot } from "../observability/metrics";
import { errorResponses, jsonResponse } from "../schemas/common";
import { MetricsReport } from "../schemas/metrics";

// The bench's window on the usage counters (src/observability/metrics.ts). Admin only: the counters
// span every account. Authenticated by adminRouter's /v1/admin/* middleware (src/routes/admin.ts):
// app.ts mounts this router after it, and a middleware of its own would count every request twice
// against the address's admin budget (test/security/auth-rate-limit.test.ts checks both).

const tags = ["Admin"];
const security = [{ admin: [] }];

export const metricsRouter = newRouter();

metricsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/admin/metrics",
    tags,
    security,
    summary: "Usage counters since the last reset (counted only when the METRICS var is \"true\")",
    responses: { 200: jsonResponse(MetricsReport, "The counters"), ...errorResponses(401) },
  }),
  (c) => c.json({ enabled: c.var.config.METRICS, counters: snapshot() }, 200),
);

metricsRouter.openapi(
  createRoute({
    method: "delete",
    path: "/v1/admin/metrics",
    tags,
    security,
    summary: "Reset the usage counters; answers their values before the reset",
    responses: { 200: jsonResponse(MetricsReport, "The counters before the reset"), ...errorResponses(401) },
  }),
  (c) => {
    const before = snapshot();
    reset();
    return c.json({ enabled: c.var.config.METRICS, counters: before }, 200);
  },
);
