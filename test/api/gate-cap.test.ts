import { describe, expect, it } from "vitest";
import { MAX_GATES_PER_CALL } from "../../src/domain/gates";
import { call, expectErrorShape, newAccount } from "../helpers/api";

// No gate call may reach more than MAX_GATES_PER_CALL pre-hooks: saving or enabling a pre-hook that
// would share an event type with that many enabled others is refused with a clear 422.

const hook = (name: string, events: string[], extra: Record<string, unknown> = {}) => ({ name, url: `https://gates.example.com/${name}`, events, phase: "pre", ...extra });

describe("the cap on pre-hooks per gate call", () => {
  it("refuses the pre-hook that would be one too many for an event type, on create, update and enable", async () => {
    const { key } = await newAccount("gate-cap");
    const post = (body: object) => call("POST", "/v1/hooks", { token: key, body });
    for (let i = 0; i < MAX_GATES_PER_CALL; i++) expect((await post(hook(`g${i}`, i % 2 ? ["cluster.create"] : ["cluster.*"]))).status).toBe(201);

    // Would share cluster.create with all of them: refused, whichever spelling of the overlap.
    for (const events of [["cluster.create"], ["*.create"], ["cluster.c*"], [], ["node.add", "*"]]) {
      const refused = await post(hook("one-too-many", events));
      expectErrorShape(refused, 422, "unprocessable");
      expect(refused.body.error.message).toMatch(new RegExp(`at most ${MAX_GATES_PER_CALL} pre-hooks, and ${MAX_GATES_PER_CALL} enabled pre-hooks`));
      expect(refused.body.error.details).toEqual([{ path: "events", message: refused.body.error.message }]);
    }
    // Shares a type with only half of them (cluster.delete: the cluster.* ones), shares none, is no
    // gate, or is disabled: accepted.
    expect((await post(hook("half", ["cluster.delete"]))).status).toBe(201);
    const other = await post(hook("other-type", ["node.add"]));
    expect(other.status).toBe(201);
    expect((await post(hook("post-hook", ["cluster.create"], { phase: "post" }))).status).toBe(201);
    const disabled = await post(hook("disabled-gate", ["cluster.create"], { enabled: false }));
    expect(disabled.status).toBe(201);

    // ...until a change would make it the thirteenth.
    expectErrorShape(await call("POST", `/v1/hooks/${disabled.body.id}/enable`, { token: key }), 422, "unprocessable");
    expectErrorShape(await call("PATCH", `/v1/hooks/${disabled.body.id}`, { token: key, body: { enabled: true } }), 422, "unprocessable");
    expectErrorShape(await call("PATCH", `/v1/hooks/${other.body.id}`, { token: key, body: { events: ["*.create"] } }), 422, "unprocessable");
    expect((await call("GET", `/v1/hooks/${other.body.id}`, { token: key })).body.events).toEqual(["node.add"]);
  });
});
