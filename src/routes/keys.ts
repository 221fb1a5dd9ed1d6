import { createRoute, z } from "@hono/zod-openapi";
import { listApiKeys } from "../db/accounts";
import { auth, newRouter } from "../http/route";
import { presentApiKey } from "../presenters/accounts";
import { ApiKey, ApiKeyCreate, ApiKeyCreated, OwnKeyParam } from "../schemas/accounts";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { mintOwnKey, revokeOwnKey } from "../services/api-keys";

// The account's own API keys, managed with a key (the admin's are at /v1/accounts/{id}/keys): a key
// mints and revokes only keys no stronger than itself (src/services/api-keys.ts).

const tags = ["API keys"];

export const keysRouter = newRouter();

keysRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/keys",
    tags,
    ...auth.apiKey({ scope: "keys:read" }),
    summary: "List the account's API keys, with their scopes and applications (never the keys themselves)",
    responses: { 200: jsonResponse(z.object({ data: z.array(ApiKey) }), "The keys, newest first"), ...errorResponses(401) },
  }),
  async (c) => c.json({ data: (await listApiKeys(c.var.ctx.db, c.var.ctx.accountId)).map(presentApiKey) }, 200),
);

keysRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/keys",
    tags,
    ...auth.apiKey({ scope: "keys:write" }),
    summary: "Create an API key no stronger than the calling one (the key is shown only in this answer)",
    description:
      "`scopes` and `applications` must be within the calling key's own (403 forbidden otherwise); left out, they are the calling key's own. " +
      "A key with full access may mint any key.",
    request: jsonBody(ApiKeyCreate),
    responses: { 201: jsonResponse(ApiKeyCreated, "The key"), ...errorResponses(400, 401, 415) },
  }),
  async (c) => {
    const { row, key } = await mintOwnKey(c.var.ctx, c.req.valid("json"));
    return c.json({ ...presentApiKey(row), key }, 201);
  },
);

keysRouter.openapi(
  createRoute({
    method: "delete",
    path: "/v1/keys/{id}",
    tags,
    ...auth.apiKey({ scope: "keys:write" }),
    summary: "Revoke one of the account's API keys (no stronger than the calling one); it answers 401 from then on, and the tunnels it opened are closed",
    request: { params: OwnKeyParam },
    responses: { 200: jsonResponse(ApiKey, "The revoked key"), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(presentApiKey(await revokeOwnKey(c.var.ctx, c.req.valid("param").id)), 200),
);
