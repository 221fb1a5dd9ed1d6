import { createRoute, z } from "@hono/zod-openapi";
import { auth, newRouter } from "../http/route";
import { jsonResponse } from "../schemas/common";

export const healthRouter = newRouter();

healthRouter.openapi(
  createRoute({
    method: "get",
    path: "/health",
    tags: ["Meta"],
    ...auth.none("liveness for load balancers and monitors: it answers nothing about any account"),
    summary: "Liveness, with a D1 round trip",
    responses: { 200: jsonResponse(z.object({ ok: z.literal(true), d1: z.literal(true) }), "Healthy") },
  }),
  async (c) => {
    await c.env.DB.prepare("select 1").first();
    return c.json({ ok: true as const, d1: true as const }, 200);
  },
);
