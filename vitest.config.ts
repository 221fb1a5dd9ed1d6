import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Two projects share one code base and differ in one binding: the API project keeps the outbound
// URL guard on (as in production), the delivery project lifts it (ALLOW_PRIVATE_TARGETS) so hooks
// can target the real HTTP receivers the tests start on 127.0.0.1.
const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));

const testBindings = {
  ADMIN_TOKEN: "test-admin-token-0123456789",
  ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
  TEST_MIGRATIONS: migrations,
};

function workersProject(name: string, include: string[], vars: Record<string, string>, extra: object = {}) {
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: { bindings: { ...testBindings, ...vars } },
      }),
    ],
    test: { name, include, setupFiles: ["./test/setup/apply-migrations.ts"], ...extra },
  };
}

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" } },
      workersProject("api", ["test/api/**/*.test.ts"], { ALLOW_PRIVATE_TARGETS: "false" }),
      workersProject(
        "delivery",
        ["test/delivery/**/*.test.ts"],
        { ALLOW_PRIVATE_TARGETS: "true", RETRY_SCHEDULE: "1,1,1", DELIVERY_TIMEOUT_MS: "2000", GATE_TIMEOUT_MS: "1500" },
        { globalSetup: ["./test/setup/receiver.ts"], testTimeout: 60_000, hookTimeout: 30_000 },
      ),
    ],
  },
});
