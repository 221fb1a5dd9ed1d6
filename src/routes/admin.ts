import { createRoute } from "@hono/zod-openapi";
import { secretBoxFor } from "../crypto/secret-box";
import { auth, newRouter } from "../http/route";
import { EncryptionKeyUsage, ReencryptReport, ReencryptRequest } from "../schemas/admin";
import { bodyWithDefaults, errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { keyUsage, reencryptBatch } from "../services/reencrypt";

// Operator endpoints for rotating ENCRYPTION_KEY (see SECURITY.md, "Rotating the encryption key").

const tags = ["Admin"];

export const adminRouter = newRouter();

adminRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/admin/reencrypt",
    tags,
    ...auth.admin(),
    summary: "Re-seal one batch of stored secrets under the current ENCRYPTION_KEY; repeat with next_cursor until it is null",
    request: jsonBody(ReencryptRequest, false),
    responses: { 200: jsonResponse(ReencryptReport, "What this batch did"), ...errorResponses(400, 401, 415) },
  }),
  async (c) => {
    const { limit, cursor } = bodyWithDefaults(ReencryptRequest, c.req.valid("json"));
    return c.json(await reencryptBatch(c.var.ctx.db, await secretBoxFor(c.var.ctx.config), limit, cursor), 200);
  },
);

adminRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/admin/encryption-keys",
    tags,
    ...auth.admin(),
    summary: "How many stored secrets each encryption key seals (an old key can go once it seals nothing)",
    responses: { 200: jsonResponse(EncryptionKeyUsage, "Key usage"), ...errorResponses(401) },
  }),
  async (c) => c.json(await keyUsage(c.var.ctx.db, await secretBoxFor(c.var.ctx.config)), 200),
);
