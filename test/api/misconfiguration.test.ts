import { describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/api";

// A deployment whose configuration is invalid serves nothing: every request, whatever its route or
// credentials, answers 503 not_configured naming the variable, never a 500 and never a served request.

describe("a short ADMIN_TOKEN", () => {
  it("answers every request with 503 not_configured naming ADMIN_TOKEN, the admin API with that very token too", async () => {
    const weak = "sixteen-chars-ok-but-short";
    for (const [method, path, token] of [
      ["GET", "/health", undefined],
      ["GET", "/v1/admin/encryption-keys", weak],
      ["GET", "/v1/hooks", "hrk_whatever"],
      ["GET", "/openapi.json", undefined],
    ] as const) {
      const res = await call(method, path, { token, bindings: { ADMIN_TOKEN: weak } });
      expectErrorShape(res, 503, "not_configured");
      expect(res.body.error.message, path).toMatch(/ADMIN_TOKEN: must carry at least 32 random bytes/);
      expect(res.body.error.message).not.toContain(weak);
    }
  });
});
