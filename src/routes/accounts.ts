import { createRoute } from "@hono/zod-openapi";
import { sha256Hex } from "../crypto/encoding";
import { findAccount, insertAccount, insertApiKey, listApiKeys, revokeApiKey } from "../db/accounts";
import { changeLogSettings, DEFAULT_RETENTION_DAYS } from "../services/account-log";
import { deleteAccount } from "../services/account-deletion";
import { nowIso } from "../db/client";
import { newId, randomToken } from "../domain/ids";
import { ApiError } from "../errors";
import { API_KEY_LOOKUP_LENGTH, API_KEY_PREFIX, requireAdmin } from "../http/auth";
import { newRouter } from "../http/context";
import { presentAccount, presentApiKey } from "../presenters/accounts";
import { Account, AccountCreate, AccountIdParam, AccountUpdate, ApiKey, ApiKeyCreate, ApiKeyCreated, KeyParams } from "../schemas/accounts";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { z } from "@hono/zod-openapi";
import { disconnectKey } from "../services/tunnels";

const tags = ["Accounts (admin)"];
const security = [{ admin: [] }];

export const accountsRouter = newRouter();
accountsRouter.use("/v1/accounts/*", requireAdmin);

accountsRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/accounts",
    tags,
    security,
    summary: "Create an account",
    request: jsonBody(AccountCreate),
    responses: { 201: jsonResponse(Account, "The account"), ...errorResponses(400, 401, 415) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const row = { id: newId("acc"), name: body.name, createdAt: nowIso(), logShards: 1, retentionDays: body.retention_days ?? DEFAULT_RETENTION_DAYS, fanoutVersion: 0, portalSettings: null, allowUnsignedDeliveries: false };
    await insertAccount(c.var.db, row);
    return c.json(presentAccount(row), 201);
  },
);

async function accountOr404(c: { var: { db: Parameters<typeof findAccount>[0] } }, id: string) {
  const account = await findAccount(c.var.db, id);
  if (!account) throw ApiError.notFound("account");
  return account;
}

accountsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/accounts/{id}",
    tags,
    security,
    summary: "Get an account",
    request: { params: AccountIdParam },
    responses: { 200: jsonResponse(Account, "The account"), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(presentAccount(await accountOr404(c, c.req.valid("param").id)), 200),
);

accountsRouter.openapi(
  createRoute({
    method: "patch",
    path: "/v1/accounts/{id}",
    tags,
    security,
    summary: "Change an account's delivery-log retention or shard count",
    description:
      "`retention_days` applies to everything already stored too: the log drops what is older within the hour. `log_shards` can only be raised: older records stay where they are and are still found.",
    request: { params: AccountIdParam, ...jsonBody(AccountUpdate) },
    responses: { 200: jsonResponse(Account, "The account"), ...errorResponses(400, 401, 404, 415, 422) },
  }),
  async (c) => {
    const updated = await changeLogSettings(c.var.db, c.env.DELIVERY_LOG, c.req.valid("param").id, c.req.valid("json"));
    if (!updated) throw ApiError.notFound("account");
    return c.json(presentAccount(updated), 200);
  },
);

accountsRouter.openapi(
  createRoute({
    method: "delete",
    path: "/v1/accounts/{id}",
    tags,
    security,
    summary: "Delete an account and all its data",
    description:
      "Its API keys, hooks, event types and Slack connection are deleted at once; its delivery log (events, deliveries, attempts, gate runs) and its hooks' live state are cleared right after, or at the log's next hourly alarm should that fail. Deliveries still queued for it are dropped.",
    request: { params: AccountIdParam },
    responses: { 204: { description: "Deleted" }, ...errorResponses(401, 404) },
  }),
  async (c) => {
    if (!(await deleteAccount(c.var.db, c.env, c.req.valid("param").id))) throw ApiError.notFound("account");
    return c.body(null, 204);
  },
);

accountsRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/accounts/{id}/keys",
    tags,
    security,
    summary: "Create an API key (the key is shown only in this answer)",
    request: { params: AccountIdParam, ...jsonBody(ApiKeyCreate) },
    responses: { 201: jsonResponse(ApiKeyCreated, "The key"), ...errorResponses(400, 401, 404, 415) },
  }),
  async (c) => {
    const account = await accountOr404(c, c.req.valid("param").id);
    const key = API_KEY_PREFIX + randomToken(30);
    const row = {
      id: newId("key"),
      accountId: account.id,
      name: c.req.valid("json").name,
      prefix: key.slice(0, API_KEY_LOOKUP_LENGTH),
      keyHash: await sha256Hex(key),
      createdAt: nowIso(),
      revokedAt: null,
    };
    await insertApiKey(c.var.db, row);
    return c.json({ ...presentApiKey(row), key }, 201);
  },
);

accountsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/accounts/{id}/keys",
    tags,
    security,
    summary: "List an account's API keys (never the keys themselves)",
    request: { params: AccountIdParam },
    responses: { 200: jsonResponse(z.object({ data: z.array(ApiKey) }), "The keys"), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const account = await accountOr404(c, c.req.valid("param").id);
    return c.json({ data: (await listApiKeys(c.var.db, account.id)).map(presentApiKey) }, 200);
  },
);

accountsRouter.openapi(
  createRoute({
    method: "delete",
    path: "/v1/accounts/{id}/keys/{key_id}",
    tags,
    security,
    summary: "Revoke an API key; it answers 401 from then on, and the tunnels it opened are closed",
    request: { params: KeyParams },
    responses: { 200: jsonResponse(ApiKey, "The revoked key"), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const { id, key_id } = c.req.valid("param");
    const revoked = await revokeApiKey(c.var.db, id, key_id, nowIso());
    if (!revoked) throw ApiError.notFound("API key");
    await disconnectKey(c.var.db, c.env.TUNNEL, id, key_id);
    return c.json(presentApiKey(revoked), 200);
  },
);
