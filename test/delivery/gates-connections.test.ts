import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { OUTGOING_CONNECTIONS } from "../../src/delivery/connection-slots";
import { MAX_GATES_PER_CALL } from "../../src/domain/gates";
import { call, newAccount } from "../helpers/api";
import { gateCalls } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// A Worker has 6 connections in flight; a gate call sends at most that many at once and starts each
// gate's timer when its request is sent, so gates past the sixth are not timed out for waiting
// (GATE_TIMEOUT_MS is 1500 in this project). And a gate call reaches at most MAX_GATES_PER_CALL.

async function preHooks(key: string, rx: Receiver, type: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await call("POST", "/v1/hooks", { token: key, body: { name: `${type}-${i}`, url: rx.url(`/gate-${i}`), events: [type], phase: "pre", on_error: "reject" } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids.push(res.body.id);
  }
  return ids;
}

const approving = (delay_ms?: number) => ({ status: 200, body: JSON.stringify({ approved: true }), headers: { "content-type": "application/json" }, delay_ms });

describe("gate calls and connections", () => {
  it("sends at most 6 gate requests at once, and a gate waiting for a connection is not timed out for it", async () => {
    const { key } = await newAccount("gate-connections");
    const rx = new Receiver();
    // Each gate answers after 900 ms: within its own 1500 ms, but a gate sent only once a connection
    // is free answers some 1800 ms after the call began.
    await rx.script([], approving(900));
    const ids = await preHooks(key, rx, "fleet.upgrade", OUTGOING_CONNECTIONS + 2);

    const res = await call("POST", "/v1/gates/fleet.upgrade", { token: key, body: { payload: {} } });
    expect(res.status).toBe(200);
    expect(await rx.maxInFlight()).toBeLessThanOrEqual(OUTGOING_CONNECTIONS);
    expect(res.body.decisions.map((d: { hook_id: string }) => d.hook_id)).toEqual(ids);
    for (const d of res.body.decisions) expect(d).toMatchObject({ approved: true });
    expect(res.body.decisions.filter((d: { error?: string }) => d.error)).toEqual([]);
    expect(res.body.approved).toBe(true);
  });

  it("calls no more than MAX_GATES_PER_CALL gates, even of hooks saved past the cap; the rest count as their on_error", async () => {
    const { key } = await newAccount("gate-cap-at-call");
    const rx = new Receiver();
    await rx.script([], approving());
    const ids = await preHooks(key, rx, "fleet.drain", MAX_GATES_PER_CALL);
    // One more, saved for another type and then moved onto this one behind the API's back.
    const [extra] = await preHooks(key, rx, "fleet.other", 1);
    await (env as unknown as { DB: D1Database }).DB.prepare("update hooks set events = ? where id = ?").bind(JSON.stringify(["fleet.drain"]), extra!).run();

    const res = await call("POST", "/v1/gates/fleet.drain", { token: key, body: { payload: {} } });
    expect(res.status).toBe(200);
    expect(res.body.decisions).toHaveLength(MAX_GATES_PER_CALL + 1);
    expect(res.body.decisions.slice(0, MAX_GATES_PER_CALL).every((d: { approved: boolean }) => d.approved)).toBe(true);
    expect(res.body.decisions.at(-1)).toMatchObject({ hook_id: extra, approved: false, error: `not called: more than ${MAX_GATES_PER_CALL} pre-hooks match this event type` });
    expect(res.body.approved).toBe(false);
    expect((await gateCalls(rx)).map((r) => r.path.split("/").pop())).toHaveLength(MAX_GATES_PER_CALL);
    expect(ids).toHaveLength(MAX_GATES_PER_CALL);
  });
});
