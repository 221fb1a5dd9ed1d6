import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, newAccount } from "../helpers/api";
import { createHook } from "../helpers/delivery";

// The api project keeps the outbound URL guard on (ALLOW_PRIVATE_TARGETS=false), so here a gate's
// url is checked before it is called, as in production (the gate tests with real receivers run with
// private targets allowed). A pre-hook whose url the API would refuse can still exist: written before
// the guard was stricter, or straight into D1, as send-time-guard.test.ts does for deliveries.

describe("URL guard when a gate calls a pre-hook", () => {
  it("does not call a gate whose url became private: it counts as an error, per its on_error", async () => {
    const { key } = await newAccount();
    const rejecting = await createHook(key, { url: "https://gates.example.com/reject", events: ["cluster.*"], phase: "pre", on_error: "reject" });
    const approving = await createHook(key, { url: "https://gates.example.com/approve", events: ["cluster.*"], phase: "pre", on_error: "approve" });
    // Port 1 on loopback refuses connections at once: a call sent all the same fails with another error.
    const db = (env as unknown as { DB: D1Database }).DB;
    await db.prepare("update hooks set url = 'http://127.0.0.1:1/gate' where id = ?").bind(rejecting.id).run();
    await db.prepare("update hooks set url = 'http://169.254.169.254/latest/meta-data/' where id = ?").bind(approving.id).run();

    const res = await call("POST", "/v1/gates/cluster.create", { token: key, body: { payload: { cluster_id: "c-1" } } });
    expect(res.status).toBe(200);
    expect(res.body.approved).toBe(false);
    const byHook = Object.fromEntries(res.body.decisions.map((d: { hook_id: string }) => [d.hook_id, d]));
    expect(byHook[rejecting.id]).toEqual({
      hook_id: rejecting.id,
      approved: false,
      error: "url refused: address 127.0.0.1 is a loopback address",
      duration_ms: 0,
    });
    expect(byHook[approving.id]).toMatchObject({ approved: true, error: expect.stringMatching(/^url refused: address 169\.254\.169\.254 is /) });
  });
});
