import type { z } from "@hono/zod-openapi";
import type { GateRunRow } from "../log/records";
import type { GateDecision, GateRun } from "../schemas/gates";

export function presentGateRun(r: GateRunRow): z.infer<typeof GateRun> {
  return {
    id: r.id,
    type: r.type,
    approved: r.approved,
    auth_id: r.authId,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    applications: r.applications ?? null,
    decisions: r.decisions as Array<z.infer<typeof GateDecision>>,
    context: r.context,
    duration_ms: r.durationMs,
    created_at: r.createdAt,
  };
}
