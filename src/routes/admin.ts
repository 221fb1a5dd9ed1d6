import { createRoute } from "@hono/zod-openapi";
import { secretBoxFor } from "../crypto/secret-box";
import { requireAdmin } from "../http/auth";
import { newRouter } from "../http/context";
import { EncryptionKeyUsage, ReencryptReport, ReencryptRequest } from "../schemas/admin";
import { bodyWithDefaults, errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { keyUsage, reencryptBatch } from "../services/reencrypt";

// Operator endpoints for rotating ENCRYPTION_KEY (see SECURITY.md, "Rotating the encryption key").

const tags = ["Admin"];
const security = [{ admin: [] }];

export const adminRouter = newRouter();
adminRouter.use("/v1/admin/*", requireAdmin);

adminRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/admin/reencrypt",
    tags,
    security,
    summary: "Re-seal one batch of stored secrets under the current ENCRYPTION_KEY; repeat with next_cursor until it is null",
    request: jsonBody(ReencryptRequest, false),
    responses: { 200: jsonResponse(ReencryptReport, "What this batch did"), ...errorResponses(400, 401, 415) },
  }),
  async (c) => {
    const { limit, cursor } = bodyWithDefaults(ReencryptRequest, c.req.valid("json"));
    return c.json(await reencryptBatch(c.var.db, await secretBoxFor(c.var.config), limit, cursor), 200);
  },
);

adminRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/admin/encryption-keys",
    tags,
    security,
    summary: "How many stored secrets each encryption key seals (an old key can go once it seals nothing)",
    responses: { 200: jsonResponse(EncryptionKeyUsage, "Key usage"), ...errorResponses(401) },
  }),
  async (c) => c.json(await keyUsage(c.var.db, await secretBoxFor(c.var.config)), 200),
);
