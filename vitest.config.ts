import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { slackBindingsFor } from "./test/setup/slack-app";

// The projects share one code base and differ in their bindings: the API project keeps the outbound
// URL guard on (as in production); the projects with real receivers lift it (ALLOW_PRIVATE_TARGETS)
// so hooks can target the HTTP receiver the tests start on 127.0.0.1, and retry quickly.
const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));

const testBindings = {
  ADMIN_TOKEN: "test-admin-token-0123456789-UvWxYz-abcdefghijklmnopqrstuvwxyz",
  ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
  TEST_MIGRATIONS: migrations,
};

/** The security project's current key; the api project's key is its previous one. */
const ROTATED_ENCRYPTION_KEY = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
/** The security project's per-key budget per 10 s (production's is in wrangler.toml). */
const SECURITY_RATE_LIMIT = 25;

/**
 * For projects whose tests count exactly what their receivers get, or whose hooks name public hosts
 * that must never be contacted: the automatic endpoint test of a `new` hook is held back past the run.
 */
const NO_AUTO_TEST = { AUTO_TEST_DELAY_SECONDS: "86400" };
/** Hooks may target the receiver on 127.0.0.1; 4 attempts a second apart, each given up after 2 s. */
const QUICK_DELIVERY = { ALLOW_PRIVATE_TARGETS: "true", RETRY_SCHEDULE: "1,1,1", DELIVERY_TIMEOUT_MS: "2000" };
/** The real Node HTTP receiver (test/setup/receiver.ts), started once per project run. */
const REAL_RECEIVER = { globalSetup: ["./test/setup/receiver.ts"], testTimeout: 60_000, hookTimeout: 30_000 };
/** A circuit breaker that probes after 1 s (then at most 2 s apart), not 30 s: tests stay quick. */
const QUICK_PROBES = { CIRCUIT_PROBE_INITIAL_SECONDS: "1", CIRCUIT_PROBE_MAX_SECONDS: "2" };
/** Operational events throttled to one per hook and kind every 3 s, not 60 s: a flapping hook's throttle shows within a test. */
const QUICK_OPERATIONAL_EVENTS = { OPERATIONAL_EVENT_INTERVAL_SECONDS: "3" };
/** Tests that need a consumer throwing for some of its batches (CHAOS_CONSUMER_THROW_RATE): their own project. */
const CONSUMER_CHAOS_TESTS = ["test/delivery/chaos-consumer*.test.ts"];

const FUZZ_TESTS = ["test/api/fuzz*.test.ts"];

// One test per seed system (test/seeds/), each in the project whose bindings its example needs:
// deliveries to a real receiver (delivery), automatic endpoint tests at once (hook-state: ricloud's
// state machine), a fake Slack and a receiver (slack: Vydon's Slack hooks and webhooks).
const SEEDS = {
  delivery: ["test/seeds/mlflow.test.ts", "test/seeds/huskar.test.ts", "test/seeds/ccx.test.ts"],
  hookState: ["test/seeds/ricloud.test.ts"],
  slack: ["test/seeds/vydon.test.ts"],
};

/**
 * Both request budgets, lifted everywhere but in the security project, which checks them itself:
 * the per-client-address one on admin requests and failed authentications (AUTH_RATE_LIMITER; test
 * requests carry no CF-Connecting-IP, so all of a project's share one budget, and suites create
 * accounts and check 401s by the hundred), and the per-key one (API_RATE_LIMITER, 1,000 per 10 s in
 * wrangler.toml), which a test polling many deliveries at once through one key outruns now that a
 * call costs a few milliseconds.
 */
const UNTHROTTLED_CLIENTS = {
  AUTH_RATE_LIMITER: { namespace_id: "1002", simple: { limit: 1_000_000, period: 10 as const } },
  API_RATE_LIMITER: { namespace_id: "1001", simple: { limit: 1_000_000, period: 10 as const } },
};
/** The security project's per-address budget per 10 s (production's is in wrangler.toml). */
const SECURITY_AUTH_RATE_LIMIT = 150;
/** The security project's per-account tunnel budget per 10 s, in 16 KiB units (production's is in wrangler.toml). */
const SECURITY_TUNNEL_BUDGET = 3;

/**
 * The fuzz project's whole outbound world: every receiver answers 200 and approves (gates), and
 * Slack's code exchange hands out a fresh bot token each time (the fuzz checks none is stored in
 * plain text, so no other answer may carry one).
 */
function answerLocally(request: Request): Response {
  if (new URL(request.url).pathname.endsWith("/oauth.v2.access")) {
    const token = `xoxb-fuzz-${crypto.randomUUID()}`;
    return Response.json({ ok: true, access_token: token, scope: "chat:write", bot_user_id: "U0FUZZ", team: { id: "T0FUZZ", name: "fuzz" } });
  }
  return Response.json({ approved: true, ok: true });
}

/** The bench's entry point (bench/worker/), for a project whose queue consumer must be the bench's (fault injection). */
const BENCH_ENTRY = "./bench/worker/index.ts";

function workersProject(
  name: string,
  include: string[],
  vars: Record<string, string>,
  extra: object = {},
  miniflare: { ratelimits?: object; [option: string]: unknown } = {},
  main?: string,
) {
  return {
    plugins: [
      cloudflareTest({
        ...(main ? { main } : {}),
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: { bindings: { ...testBindings, ...vars }, ...miniflare, ratelimits: { ...UNTHROTTLED_CLIENTS, ...miniflare.ratelimits } },
      }),
    ],
    test: { name, include, setupFiles: ["./test/setup/apply-migrations.ts"], ...extra },
  };
}

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" } },
      // The CLI as a user runs it: child processes against the router under `wrangler dev` (test/cli/harness.ts).
      { test: { name: "cli", include: ["test/cli/**/*.test.ts"], environment: "node", testTimeout: 90_000, hookTimeout: 120_000 } },
      // The portal in Debian's Chromium (playwright-core) against the router under `wrangler dev`.
      { test: { name: "portal", include: ["test/portal/**/*.test.ts"], environment: "node", testTimeout: 120_000, hookTimeout: 180_000 } },
      // Slack configured (so slack hooks can be created) but pointing at a closed port: nothing leaves.
      workersProject("api", ["test/api/**/*.test.ts", "test/log/**/*.test.ts"], { ALLOW_PRIVATE_TARGETS: "false", ...slackBindingsFor(9), ...NO_AUTO_TEST }, { exclude: FUZZ_TESTS }),
      // The API fuzzer: the api project's bindings, but every outbound request (hook tests, gates,
      // deliveries to the public-looking URLs it generates) is answered in-process, so thousands of
      // generated requests never reach a network.
      workersProject(
        "fuzz",
        FUZZ_TESTS,
        { ALLOW_PRIVATE_TARGETS: "false", ...slackBindingsFor(9) },
        { testTimeout: 240_000, hookTimeout: 60_000 },
        {
          outboundService: answerLocally,
        },
      ),
      workersProject(
        "delivery",
        ["test/delivery/**/*.test.ts", ...SEEDS.delivery],
        { ...QUICK_DELIVERY, GATE_TIMEOUT_MS: "1500", ...NO_AUTO_TEST, ...QUICK_PROBES },
        { ...REAL_RECEIVER, exclude: CONSUMER_CHAOS_TESTS },
      ),
      // The delivery project's settings with a consumer that throws for 10% of its batches, after
      // sending and before recording anything: fault injection, which only the bench's entry point
      // has (bench/worker/chaos.ts), so it is this project's Worker (test/helpers/api.ts calls it too).
      workersProject(
        "chaos-consumer",
        CONSUMER_CHAOS_TESTS,
        { ...QUICK_DELIVERY, ...NO_AUTO_TEST, CHAOS_CONSUMER_THROW_RATE: "0.1" },
        { ...REAL_RECEIVER, testTimeout: 120_000 },
        {},
        BENCH_ENTRY,
      ),
      // The per-hook Durable Object: automatic tests at once, a quick circuit breaker (probes 1 s, then
      // at most 2 s apart) and 11 attempts per delivery, so deliveries outlive the failures that open it.
      workersProject(
        "hook-state",
        ["test/hook-state/**/*.test.ts", ...SEEDS.hookState],
        { ...QUICK_DELIVERY, RETRY_SCHEDULE: "1,1,1,1,1,1,1,1,1,1", ...QUICK_PROBES, ...QUICK_OPERATIONAL_EVENTS },
        REAL_RECEIVER,
      ),
      // Security checks that need other bindings than production's: a rotated ENCRYPTION_KEY (the
      // api project's key is now the previous one), CORS on, and a small per-key rate limit so
      // going over it is quick (and a per-address one its tests can reach from addresses of their
      // own), and a tiny tunnel budget. Real receivers as in the delivery project.
      workersProject(
        "security",
        ["test/security/**/*.test.ts"],
        {
          ENCRYPTION_KEY: ROTATED_ENCRYPTION_KEY,
          ENCRYPTION_KEYS_PREVIOUS: testBindings.ENCRYPTION_KEY,
          CORS_ORIGINS: "https://portal.example.com",
          ...QUICK_DELIVERY,
          GATE_TIMEOUT_MS: "1500",
          TEST_RATE_LIMIT: String(SECURITY_RATE_LIMIT),
          TEST_AUTH_RATE_LIMIT: String(SECURITY_AUTH_RATE_LIMIT),
          TEST_TUNNEL_BUDGET: String(SECURITY_TUNNEL_BUDGET),
        },
        REAL_RECEIVER,
        {
          ratelimits: {
            API_RATE_LIMITER: { namespace_id: "1001", simple: { limit: SECURITY_RATE_LIMIT, period: 10 } },
            AUTH_RATE_LIMITER: { namespace_id: "1002", simple: { limit: SECURITY_AUTH_RATE_LIMIT, period: 10 } },
            TUNNEL_RATE_LIMITER: { namespace_id: "1003", simple: { limit: SECURITY_TUNNEL_BUDGET, period: 10 } },
          },
        },
      ),
      // Slack against a fake Slack (test/setup/fake-slack-server.ts) started in globalSetup: its port
      // is only known then, so the pool options are a function of `inject`. The HTTP receiver too
      // (hooks may target it on 127.0.0.1), for the tests that have webhooks next to Slack hooks.
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ...testBindings,
                ...slackBindingsFor(inject("fakeSlackPort")),
                ALLOW_PRIVATE_TARGETS: "true",
                RETRY_SCHEDULE: "1,1,1",
                DELIVERY_TIMEOUT_MS: "2000",
              },
              ratelimits: UNTHROTTLED_CLIENTS,
            },
          })),
        ],
        test: {
          name: "slack",
          include: ["test/slack/**/*.test.ts", ...SEEDS.slack],
          setupFiles: ["./test/setup/apply-migrations.ts"],
          globalSetup: ["./test/setup/fake-slack.ts", "./test/setup/receiver.ts"],
          testTimeout: 60_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
