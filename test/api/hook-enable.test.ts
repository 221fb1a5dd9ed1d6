import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hookStateOf } from "../../src/durable/hook-state";
import type { Env } from "../../src/env";
import { call, newAccount } from "../helpers/api";
import { createHook } from "../helpers/delivery";

// A hook enabled again by hand starts afresh: its failure streak is forgotten and its circuit breaker
// (kept by the hook's Durable Object, src/durable/hook-state.ts) is closed, so its deliveries go at
// once instead of waiting for a probe.

describe("enabling a hook", () => {
  it("closes its open circuit breaker", async () => {
    const { key } = await newAccount();
    const hook = await createHook(key, { url: "https://hooks.example.com/flaky", events: [] });
    // Failures recorded as the consumer records them, until the breaker opens.
    const state = hookStateOf((env as unknown as Env).HOOK_STATE, hook.id);
    for (let i = 0; i < 100 && (await state.status()).circuit === "closed"; i++) await state.recordAttempt({ ok: false, status: 500 });
    const opened = await call("GET", `/v1/hooks/${hook.id}`, { token: key });
    expect(opened.body.circuit).toBe("open");

    expect((await call("POST", `/v1/hooks/${hook.id}/disable`, { token: key })).status).toBe(200);
    expect((await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body.circuit).toBe("open");
    const enabled = await call("POST", `/v1/hooks/${hook.id}/enable`, { token: key });
    expect(enabled.status).toBe(200);
    expect(enabled.body.enabled).toBe(true);
    expect((await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body.circuit).toBe("closed");
    expect(await state.status()).toMatchObject({ circuit: "closed", consecutive_failures: 0, failing_since: null });
  });
});
