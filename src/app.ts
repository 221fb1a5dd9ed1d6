import { swaggerUI } from "@hono/swagger-ui";
import { bodyLimit } from "hono/body-limit";
import { ApiError, handleError } from "./errors";
import { newRouter } from "./http/route";
import { corsWhenConfigured, logContext, requestIds, securityHeaders } from "./http/security";
import { accountsRouter } from "./routes/accounts";
import { accountSettingsRouter } from "./routes/account-settings";
import { deliveriesRouter } from "./routes/deliveries";
import { adminRouter } from "./routes/admin";
import { eventTypesRouter } from "./routes/event-types";
import { eventsRouter } from "./routes/events";
import { gatesRouter } from "./routes/gates";
import { healthRouter } from "./routes/health";
import { hookActionsRouter } from "./routes/hook-actions";
import { hookTestRouter } from "./routes/hook-test";
import { hooksRouter } from "./routes/hooks";
import { keysRouter } from "./routes/keys";
import { portalPageRouter } from "./routes/portal-page";
import { portalSessionsRouter } from "./routes/portal-sessions";
import { replayJobsRouter } from "./routes/replay-jobs";
import { slackRouter } from "./routes/slack";
import { statsRouter } from "./routes/stats";
import { tunnelsRouter } from "./routes/tunnels";
import { operationalWebhooks } from "./schemas/operational-events";

/** Largest request body accepted anywhere; an event payload has its own, smaller limit (256 KiB). */
export const MAX_BODY_BYTES = 320 * 1024;

export function buildApp() {
  const app = newRouter();
  app.onError(handleError);
  app.notFound((c) => handleError(new ApiError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`), c));

  app.use("*", requestIds, logContext, securityHeaders);
  app.use("*", corsWhenConfigured);
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, "payload_too_large", `request body over ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );

  app.route("/", healthRouter);
  app.route("/", accountsRouter);
  app.route("/", accountSettingsRouter);
  app.route("/", adminRouter);
  app.route("/", eventTypesRouter);
  app.route("/", hooksRouter);
  app.route("/", hookActionsRouter);
  app.route("/", replayJobsRouter);
  app.route("/", eventsRouter);
  app.route("/", deliveriesRouter);
  app.route("/", hookTestRouter);
  app.route("/", slackRouter);
  app.route("/", gatesRouter);
  app.route("/", tunnelsRouter);
  app.route("/", statsRouter);
  app.route("/", keysRouter);
  app.route("/", portalSessionsRouter);
  app.route("/", portalPageRouter);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An account's API key (hrk_…)",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "admin", {
    type: "http",
    scheme: "bearer",
    description: "The ADMIN_TOKEN secret",
  });
  // What hookrouter itself sends: its operational events, as the document's `webhooks`.
  for (const webhook of operationalWebhooks()) app.openAPIRegistry.registerWebhook(webhook);
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "hookrouter",
      version: "0.1.0",
      description: "Webhook router on Cloudflare Workers. Errors are {error: {code, message, details}}.",
    },
  });
  app.get("/docs", swaggerUI({ url: "/openapi.json" }));
  return app;
}

export type App = ReturnType<typeof buildApp>;
