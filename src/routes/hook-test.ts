import { createRoute } from "@hono/zod-openapi";
import { auth, newRouter } from "../http/route";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { HookTestRequest, HookTestResult } from "../schemas/hook-test";
import { HookIdParam } from "../schemas/hooks";
import { testHookNow } from "../services/hooks";

export const hookTestRouter = newRouter();

hookTestRouter.openapi(
  createRoute({
    method: "post",
    path: "/v1/hooks/{id}/test",
    tags: ["Hooks"],
    ...auth.apiKey({ scope: "hooks:write" }),
    summary: "Send a test event now and answer what the receiver said",
    description:
      "Sends the documented sample payload (`data.test` is true) through the same request builder and signer as a real " +
      "delivery, synchronously. The outcome sets the hook's state to valid or invalid (a deactivated hook stays deactivated) " +
      "and is kept as the hook's last_test. The body is optional.",
    request: { params: HookIdParam, ...jsonBody(HookTestRequest, false) },
    responses: { 200: jsonResponse(HookTestResult, "The test's outcome"), ...errorResponses(400, 401, 404, 415) },
  }),
  async (c) => {
    const result = await testHookNow(c.var.ctx, c.req.valid("param").id, c.req.valid("json")?.event_type);
    return c.json(result, 200);
  },
);
