import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { call, newAccount } from "../helpers/api";
import { createHook, testedHook } from "../helpers/delivery";
import { connect, type TestTunnel } from "../helpers/tunnel";

// This project's TUNNEL_RATE_LIMITER gives each account TEST_TUNNEL_BUDGET units (16 KiB each) of
// tunnel traffic per 10 s window (vitest.config.ts). A burst of 2 × budget + 1 requests spans at most
// two windows however the burst falls across them, so some of it must be refused.

const BUDGET = Number((env as unknown as { TEST_TUNNEL_BUDGET: string }).TEST_TUNNEL_BUDGET);
const open: TestTunnel[] = [];

afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

async function tunnelFor(name: string) {
  const acct = await newAccount(`budget-${name}`);
  const hook = await createHook(acct.key, { url: `tunnel://${name}` });
  // This project runs a new hook's automatic test at once: let it fail (nothing connected yet, which
  // costs no budget) before connecting, so the only requests are the test's own.
  await testedHook(acct.key, hook.id);
  const t = await connect(name, acct.key);
  open.push(t);
  const test = async () => (await call("POST", `/v1/hooks/${hook.id}/test`, { token: acct.key })).body;
  return { acct, t, test };
}

describe("the per-account tunnel budget", () => {
  it("refuses the requests past it like an unreachable receiver, and spares other accounts", async () => {
    const spender = await tunnelFor("spender");
    const results = [];
    for (let i = 0; i < 2 * BUDGET + 1; i++) results.push(await spender.test());
    const refused = results.filter((r) => !r.success);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.error_message).toBe("connection failed: not sent: the account's tunnel traffic budget is spent for now (TUNNEL_RATE_LIMITER)");
    // Nothing refused was sent: the CLI saw only the ones that succeeded.
    expect(spender.t.requests).toHaveLength(results.length - refused.length);

    const bystander = await tunnelFor("bystander");
    expect((await bystander.test()).success).toBe(true);
  });

  it("disconnects a CLI that keeps sending once the account's budget is spent", async () => {
    const { t } = await tunnelFor("chatty");
    for (let i = 0; i < 2 * BUDGET + 1; i++) t.ws.send(JSON.stringify({ type: "noise", n: i }));
    const closed = await t.closed;
    expect(closed).toEqual({ code: 1008, reason: "over the account's tunnel traffic budget" });
  });
});
