import { createRoute } from "@hono/zod-openapi";
import { findAccount, listApiKeys } from "../db/accounts";
import type { Db } from "../db/client";
import { FULL_GRANT, requestedGrant } from "../domain/api-scopes";
import { ApiError } from "../errors";
import { auth, newRouter } from "../http/route";
import { presentAccount, presentApiKey } from "../presenters/accounts";
import { Account, AccountCreate, AccountIdParam, AccountUpdate, ApiKey, ApiKeyCreate, ApiKeyCreated, KeyParams } from "../schemas/accounts";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { changeLogSettings, createAccount, mintApiKey } from "../services/accounts";
import { deleteAccount } from "../services/account-deletion";
import { z } from "@hono/zod-openapi";
import { revokeKey } from "../services/api-keys";

const tags = ["Accounts (admin)"];

export const accountsRouter = newRouter();

accountsRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/accounts",
    tags,
    ...auth.admin(),
    summary: "Create an account",
    request: jsonBody(AccountCreate),
    responses: { 201: jsonResponse(Account, "The account"), ...errorResponses(400, 401, 415) },
  }),
  async (c) => {
    return c.json(presentAccount(await createAccount(c.var.ctx.db, c.req.valid("json"))), 201);
  },
);

async function accountOr404(db: Db, id: string) {
  const account = await findAccount(db, id);
  if (!account) throw ApiError.notFound("account");
  return account;
}

accountsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/accounts/{id}",
    tags,
    ...auth.admin(),
    summary: "Get an account",
    request: { params: AccountIdParam },
    responses: { 200: jsonResponse(Account, "The account"), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(presentAccount(await accountOr404(c.var.ctx.db, c.req.valid("param").id)), 200),
);

accountsRouter.openapi(
  createRoute({
    method: "patch",
    path: "/v1/accounts/{id}",
    tags,
    ...auth.admin(),
    summary: "Change an account's delivery-log retention or shard count",
    description:
      "`retention_days` applies to everything already stored too: the log drops what is older within the hour. `log_shards` can only be raised: older records stay where they are and are still found.",
    request: { params: AccountIdParam, ...jsonBody(AccountUpdate) },
    responses: { 200: jsonResponse(Account, "The account"), ...errorResponses(400, 401, 404, 415, 422) },
  }),
  async (c) => {
    const updated = await changeLogSettings(c.var.ctx, c.req.valid("param").id, c.req.valid("json"));
    if (!updated) throw ApiError.notFound("account");
    return c.json(presentAccount(updated), 200);
  },
);

accountsRouter.openapi(
  createRoute({
    method: "delete",
    path: "/v1/accounts/{id}",
    tags,
    ...auth.admin(),
    summary: "Delete an account and all its data",
    description:
      "Its API keys, hooks, event types and Slack connection are deleted at once; its delivery log (events, deliveries, attempts, gate runs) and its hooks' live state are cleared right after, or at the log's next hourly alarm should that fail. Deliveries still queued for it are dropped.",
    request: { params: AccountIdParam },
    responses: { 204: { description: "Deleted" }, ...errorResponses(401, 404) },
  }),
  async (c) => {
    if (!(await deleteAccount(c.var.ctx.db, c.var.ctx.env, c.req.valid("param").id))) throw ApiError.notFound("account");
    return c.body(null, 204);
  },
);

accountsRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/accounts/{id}/keys",
    tags,
    ...auth.admin(),
    summary: "Create an API key (the key is shown only in this answer)",
    description: "Without `scopes` the key holds every scope; without `applications` it is bound to none (docs/api.md, Scopes).",
    request: { params: AccountIdParam, ...jsonBody(ApiKeyCreate) },
    responses: { 201: jsonResponse(ApiKeyCreated, "The key"), ...errorResponses(400, 401, 404, 415) },
  }),
  async (c) => {
    const account = await accountOr404(c.var.ctx.db, c.req.valid("param").id);
    const body = c.req.valid("json");
    const { row, key } = await mintApiKey(c.var.ctx.db, account.id, body.name, requestedGrant(body, FULL_GRANT));
    return c.json({ ...presentApiKey(row), key }, 201);
  },
);

accountsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/accounts/{id}/keys",
    tags,
    ...auth.admin(),
    summary: "List an account's API keys (never the keys themselves)",
    request: { params: AccountIdParam },
    responses: { 200: jsonResponse(z.object({ data: z.array(ApiKey) }), "The keys"), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const account = await accountOr404(c.var.ctx.db, c.req.valid("param").id);
    return c.json({ data: (await listApiKeys(c.var.ctx.db, account.id)).map(presentApiKey) }, 200);
  },
);

accountsRouter.openapi(
  createRoute({
    method: "delete",
    path: "/v1/accounts/{id}/keys/{key_id}",
    tags,
    ...auth.admin(),
    summary: "Revoke an API key; it answers 401 from then on, and the tunnels it opened are closed",
    request: { params: KeyParams },
    responses: { 200: jsonResponse(ApiKey, "The revoked key"), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const { id, key_id } = c.req.valid("param");
    return c.json(presentApiKey(await revokeKey(c.var.ctx.db, c.var.ctx.env, id, key_id)), 200);
  },
);
