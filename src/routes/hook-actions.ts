import { createRoute } from "@hono/zod-openapi";
import { accountLogOf, newRouter, waitUntilOf } from "../http/context";
import { bodyWithDefaults, errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { HookRecover, HookRecovered, SecretRotate } from "../schemas/hook-actions";
import { ActingUserHeaders, HookIdParam, HookSecret } from "../schemas/hooks";
import { recoverHook } from "../services/deliveries";
import { rotateHookSecret } from "../services/hook-secrets";

// Actions on a hook's deliveries and secret. Authentication: every /v1/hooks/* request passes the
// API-key middleware of hooksRouter (src/routes/hooks.ts), so this router must be mounted AFTER it
// and adds none of its own (that would look the key up twice). test/api/hook-actions.test.ts checks
// that these routes refuse a request without a key.

const tags = ["Hooks"];
const security = [{ bearer: [] }];

export const hookActionsRouter = newRouter();

hookActionsRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/hooks/{id}/secret/rotate",
    tags,
    security,
    summary: "Rotate the signing secret; the previous one still signs during the grace period",
    request: { params: HookIdParam, headers: ActingUserHeaders, ...jsonBody(SecretRotate, false) },
    responses: { 200: jsonResponse(HookSecret, "The new secret (and the previous one while it still signs)"), ...errorResponses(400, 401, 404, 409, 415) },
  }),
  async (c) => {
    const rotated = await rotateHookSecret(
      { db: c.var.db, config: c.var.config, accountId: c.var.accountId, keyId: c.var.keyId, actingUserId: c.req.valid("header")["acting-user-id"] },
      c.req.valid("param").id,
      bodyWithDefaults(SecretRotate, c.req.valid("json")).grace_seconds,
    );
    return c.json(rotated, 200);
  },
);

hookActionsRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/hooks/{id}/recover",
    tags,
    security,
    summary: "Re-enqueue the hook's failed, dead and skipped deliveries created since `since` (one attempt each)",
    request: { params: HookIdParam, ...jsonBody(HookRecover) },
    responses: { 202: jsonResponse(HookRecovered, "Queued"), ...errorResponses(400, 401, 404, 409, 415, 429, 503) },
  }),
  async (c) => {
    const recovered = await recoverHook(
      { db: c.var.db, log: accountLogOf(c), queue: c.env.DELIVERIES, waitUntil: waitUntilOf(c) },
      c.req.valid("param").id,
      c.req.valid("json").since,
    );
    return c.json(recovered, 202);
  },
);
