import { createRoute } from "@hono/zod-openapi";
import { findAccount, setUnsignedDeliveries, updatePortalSettings } from "../db/accounts";
import { matchableHooks } from "../db/fanout-reads";
import { configurationHealth } from "../domain/configuration-health";
import { ApiError } from "../errors";
import { auth, newRouter } from "../http/route";
import { presentAccount } from "../presenters/accounts";
import { Account, AccountSettingsUpdate, ConfigurationHealth } from "../schemas/accounts";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { changeLogSettings } from "../services/accounts";

// The account's own settings, for its API keys: how long its delivery log keeps data. The shard
// count stays with the operator (the admin API): it is about the deployment's capacity.

const tags = ["Account"];

export const accountSettingsRouter = newRouter();

accountSettingsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/account",
    tags,
    ...auth.apiKey({ scope: "account:read" }),
    summary: "The calling key's account, with its delivery-log retention",
    responses: { 200: jsonResponse(Account, "The account"), ...errorResponses(401) },
  }),
  async (c) => {
    const account = await findAccount(c.var.ctx.db, c.var.ctx.accountId);
    if (!account) throw ApiError.notFound("account");
    return c.json(presentAccount(account), 200);
  },
);

accountSettingsRouter.openapi(
  createRoute({
    method: "patch",
    path: "/v1/account",
    tags,
    ...auth.apiKey({ scope: "account:write" }),
    summary: "Set the account's own settings: delivery-log retention (1 to 400 days), the embeddable portal's settings, whether its hooks may deliver unsigned",
    description:
      "`retention_days` applies to what is already stored too: the log drops what is older within the hour. " +
      "`portal` sets which origins may frame /portal (frame-ancestors), its title, accent colour and logo, as a whole; null restores the defaults. " +
      "`allow_unsigned_deliveries: false` signs every hook of the account again.",
    request: jsonBody(AccountSettingsUpdate),
    responses: { 200: jsonResponse(Account, "The account"), ...errorResponses(400, 401, 415) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    if (body.portal !== undefined) await updatePortalSettings(c.var.ctx.db, c.var.ctx.accountId, body.portal);
    if (body.allow_unsigned_deliveries !== undefined) await setUnsignedDeliveries(c.var.ctx.db, c.var.ctx.accountId, body.allow_unsigned_deliveries);
    const updated = await changeLogSettings(c.var.ctx, c.var.ctx.accountId, { retention_days: body.retention_days });
    if (!updated) throw ApiError.notFound("account");
    return c.json(presentAccount(updated), 200);
  },
);

accountSettingsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/account/health",
    tags,
    ...auth.apiKey({ scope: "account:read" }),
    summary: "Whether every application and the organisation default have a valid hook (ricloud: an organisation needs a valid config)",
    description:
      "Valid: enabled, not retired, and its last endpoint test succeeded. The organisation default is the account's hooks without " +
      "applications (site-level and fallback). An application is covered by a valid hook of its own, or, with none of its own, by a valid default.",
    responses: { 200: jsonResponse(ConfigurationHealth, "The account's hook coverage"), ...errorResponses(401) },
  }),
  async (c) => {
    const hooks = await matchableHooks(c.var.ctx.db, c.var.ctx.accountId);
    return c.json(configurationHealth(hooks, c.var.ctx.portal?.applications ?? null), 200);
  },
);
