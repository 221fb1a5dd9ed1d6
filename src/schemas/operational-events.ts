import type { RouteConfig } from "@hono/zod-openapi";
import { BUILT_IN_EVENT_TYPES } from "../domain/operational-events";

// hookrouter's operational events (docs/operational-events.md) in the OpenAPI document, as OpenAPI
// 3.1 `webhooks`: the request a subscribed hook receives for each type, envelope and payload. The
// payload schemas are the ones `GET /v1/event-types?include_built_in=true` answers.

export function operationalWebhooks(): RouteConfig[] {
  return BUILT_IN_EVENT_TYPES.map(
    (t): RouteConfig => ({
      method: "post",
      path: t.name,
      summary: t.name,
      description: `${t.description}. Sent to the hooks subscribed to it (a pattern of the hookrouter.* namespace), never to the hook it is about; signed like any delivery.`,
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  id: { type: "string", description: "The event's id (evt_…)" },
                  type: { type: "string", const: t.name },
                  timestamp: { type: "string", format: "date-time", description: "When hookrouter published it" },
                  data: t.payload_schema,
                  applications: { type: ["array", "null"], items: { type: "string" }, description: "The applications of the hook it is about" },
                  work_id: { type: "null" },
                },
                required: ["id", "type", "timestamp", "data"],
              },
            },
          },
        },
      },
      responses: { "2XX": { description: "Received: any 2xx within the delivery timeout" } },
    }),
  );
}
