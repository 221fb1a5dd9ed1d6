import { createRoute } from "@hono/zod-openapi";
import { auth, newRouter } from "../http/route";
import { bodyWithDefaults, errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { HookRecover, HookRecovered, SecretRotate } from "../schemas/hook-actions";
import { ActingUserHeaders, HookIdParam, HookSecret } from "../schemas/hooks";
import { recoverHook } from "../services/deliveries";
import { rotateHookSecret } from "../services/hook-secrets";

// Actions on a hook's deliveries and secret.

const tags = ["Hooks"];

export const hookActionsRouter = newRouter();

hookActionsRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/hooks/{id}/secret/rotate",
    tags,
    ...auth.apiKey({ scope: "hooks:write" }),
    summary: "Rotate the signing secret; the previous one still signs during the grace period",
    request: { params: HookIdParam, headers: ActingUserHeaders, ...jsonBody(SecretRotate, false) },
    responses: { 200: jsonResponse(HookSecret, "The new secret (and the previous one while it still signs)"), ...errorResponses(400, 401, 404, 409, 415) },
  }),
  async (c) => {
    const rotated = await rotateHookSecret(
      { ...c.var.ctx, actingUserId: c.req.valid("header")["acting-user-id"] ?? null },
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
    ...auth.apiKey({ scope: "hooks:write" }),
    summary: "Re-enqueue the hook's failed, dead and skipped deliveries created since `since` (one attempt each)",
    request: { params: HookIdParam, ...jsonBody(HookRecover) },
    responses: { 202: jsonResponse(HookRecovered, "Queued"), ...errorResponses(400, 401, 404, 409, 415, 429, 503) },
  }),
  async (c) => {
    const recovered = await recoverHook(c.var.ctx, c.req.valid("param").id, c.req.valid("json").since);
    return c.json(recovered, 202);
  },
);
