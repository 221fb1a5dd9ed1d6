import { z } from "@hono/zod-openapi";
import { ApplicationName, Timestamp } from "./common";

const PORTAL_SESSION_DEFAULT_SECONDS = 3600;

export const PortalSessionCreate = z
  .strictObject({
    expires_in: z
      .number()
      .int()
      .min(60)
      .max(86_400)
      .default(PORTAL_SESSION_DEFAULT_SECONDS)
      .openapi({ description: "Seconds the portal link works (60 to 86,400; default 3,600)" }),
    applications: z
      .array(ApplicationName)
      .min(1)
      .max(20)
      .optional()
      .openapi({ description: "Only the hooks scoped to these applications (and their deliveries); absent: every hook of the account" }),
  })
  .openapi("PortalSessionCreate");

export const PortalSession = z
  .object({
    url: z.string().openapi({ example: "https://hooks.example.com/portal#token=hrp_…", description: "The portal page; the token travels in the fragment, never sent to a server" }),
    token: z.string().openapi({ description: "A bearer token for the portal's API calls (hrp_…), not an API key" }),
    expires_at: Timestamp,
    applications: z.array(z.string()).nullable(),
  })
  .openapi("PortalSession");
