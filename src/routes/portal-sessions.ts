import { createRoute } from "@hono/zod-openapi";
import { findAccount } from "../db/accounts";
import { applicationsForKey } from "../domain/api-scopes";
import { signPortalToken } from "../domain/portal-token";
import { ApiError } from "../errors";
import { auth, newRouter } from "../http/route";
import { portalKeyFor } from "../http/portal-auth";
import { bodyWithDefaults, errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { PortalSession, PortalSessionCreate } from "../schemas/portal";

export const portalSessionsRouter = newRouter();
// A portal token cannot mint another session: /v1/portal-sessions is not among the portal's routes.

portalSessionsRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/portal-sessions",
    tags: ["Portal"],
    ...auth.apiKey({ scope: "portal-sessions:write" }),
    summary: "A short-lived link to the portal for this account (optionally for some applications only)",
    description:
      "Answers a portal URL to hand to a person: the page manages the account's hooks and shows their deliveries, " +
      "calling this API with the session token, which works only for the portal's own calls, only while the API key " +
      "that minted it is live, and only until it expires. The body is optional. A key bound to applications opens sessions for its applications only " +
      "(its own when none are named). The session's calls are bound by the portal's rules, not by the key's scopes.",
    request: jsonBody(PortalSessionCreate, false),
    responses: { 201: jsonResponse(PortalSession, "The portal link and its token"), ...errorResponses(400, 401, 415, 429) },
  }),
  async (c) => {
    const body = bodyWithDefaults(PortalSessionCreate, c.req.valid("json"));
    const expiresAt = Math.floor(Date.now() / 1000) + body.expires_in;
    // A key bound to applications opens sessions for (some of) them only: its own when none are named.
    const bound = applicationsForKey(body.applications ? [...new Set(body.applications)] : null, c.var.ctx.grant.applications);
    if (!bound.ok) throw ApiError.forbidden(`this API key is bound to the applications ${c.var.ctx.grant.applications!.join(", ")}: it cannot open a portal for ${bound.outside.join(", ")}`, "applications");
    const applications = bound.applications;
    const token = await signPortalToken(await portalKeyFor(c.var.ctx.config), { accountId: c.var.ctx.accountId, keyId: c.var.ctx.keyId, applications, expiresAt });
    // An account with portal settings (embedding, branding) gets a link to its own page: ?account= names it.
    const account = await findAccount(c.var.ctx.db, c.var.ctx.accountId);
    const page = account?.portalSettings ? `/portal?account=${account.id}` : "/portal";
    return c.json(
      { url: `${new URL(c.req.url).origin}${page}#token=${token}`, token, expires_at: new Date(expiresAt * 1000).toISOString(), applications },
      201,
    );
  },
);
