import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hookStateOf } from "../../src/durable/hook-state";
import type { Env } from "../../src/env";

// A FIFO hook's line in its HookState, through the RPC methods the publisher and the consumer call
// (src/delivery/fifo.ts): who holds the turn, what a late copy may do, how a dead head blocks or is
// passed over.

const ns = (env as unknown as Env).HOOK_STATE;
const fresh = () => hookStateOf(ns, `hook_${crypto.randomUUID()}`);
const msg = (id: string, extra: object = {}) => ({ delivery_id: id, account_id: "acct_1", ...extra });
const open = { rateLimitPerSecond: null, maxWaitMs: 1000 };

describe("a hook's line", () => {
  it("hands out one turn at a time in join order; a stale turn never sends and never moves the line", async () => {
    const line = fresh();
    // The first to join an empty line is handed out at once, with its turn; the others wait.
    const [a] = await line.joinLine([msg("dlv_a")], undefined, true);
    expect(a).toMatchObject({ delivery_id: "dlv_a", turn: expect.any(Number) });
    expect(await line.joinLine([msg("dlv_b"), msg("dlv_c")], undefined, true)).toEqual([]);
    expect(await line.admitInTurn({ deliveryId: "dlv_a", turn: a!.turn! }, open)).toMatchObject({ action: "send" });
    // Not the head, or the head's delivery with another turn: dropped.
    expect(await line.admitInTurn({ deliveryId: "dlv_b", turn: a!.turn! + 1 }, open)).toEqual({ action: "drop" });
    expect(await line.admitInTurn({ deliveryId: "dlv_a", turn: a!.turn! + 1 }, open)).toEqual({ action: "drop" });
    expect(await line.advanceLine("dlv_b", a!.turn! + 1, "succeeded", "skip")).toEqual([]);

    const [b] = await line.advanceLine("dlv_a", a!.turn!, "succeeded", "skip");
    expect(b).toMatchObject({ delivery_id: "dlv_b" });
    // A late report of a's end (a redelivered copy) changes nothing; a's turn no longer sends.
    expect(await line.advanceLine("dlv_a", a!.turn!, "succeeded", "skip")).toEqual([]);
    expect(await line.admitInTurn({ deliveryId: "dlv_a", turn: a!.turn! }, open)).toEqual({ action: "drop" });
    expect((await line.status()).line).toEqual({ waiting: 2, head: "dlv_b", blocked: false });
  });

  it("a dead head blocks the line (block) until it re-joins by a manual retry; skip passes it over", async () => {
    const line = fresh();
    const [a] = await line.joinLine([msg("dlv_a"), msg("dlv_b")], "block", true);
    expect(await line.advanceLine("dlv_a", a!.turn!, "dead", "block")).toEqual([]);
    expect((await line.status()).line).toEqual({ waiting: 2, head: "dlv_a", blocked: true });
    expect(await line.admitInTurn({ deliveryId: "dlv_a", turn: a!.turn! }, open)).toEqual({ action: "drop" });
    // More joins wait behind it; a manual retry of the head re-joins it and hands it out again, same turn.
    expect(await line.joinLine([msg("dlv_c")], "block", false)).toEqual([]);
    expect(await line.joinLine([msg("dlv_a", { manual: true, token: "t2" })], "block", false)).toEqual([msg("dlv_a", { manual: true, token: "t2", turn: a!.turn! })]);
    const [b] = await line.advanceLine("dlv_a", a!.turn!, "succeeded", "block");
    expect(b).toMatchObject({ delivery_id: "dlv_b" });

    // skip: a dead head is passed over at once.
    const [c] = await line.advanceLine("dlv_b", b!.turn!, "dead", "skip");
    expect(c).toMatchObject({ delivery_id: "dlv_c" });
  });

  it("a blocked line whose hook switched to skip moves on at the next join; a released line hands back its messages", async () => {
    const line = fresh();
    const [a] = await line.joinLine([msg("dlv_a"), msg("dlv_b")], "block", true);
    await line.advanceLine("dlv_a", a!.turn!, "dead", "block");
    expect(await line.joinLine([msg("dlv_c")], "skip", false)).toMatchObject([{ delivery_id: "dlv_b" }]);
    expect(await line.releaseLine()).toEqual([msg("dlv_b"), msg("dlv_c")]);
    expect((await line.status()).line).toEqual({ waiting: 0, head: null, blocked: false });
  });

  it("a gone head moves the line on whatever the hook's setting; where no line exists, advancing answers nothing and makes none", async () => {
    const line = fresh();
    const [a] = await line.joinLine([msg("dlv_a")], "block", true);
    await line.joinLine([msg("dlv_b")], "block", true);
    expect(await line.advanceLine("dlv_a", a!.turn!, "gone", "block")).toEqual([expect.objectContaining({ delivery_id: "dlv_b" })]);

    const none = fresh();
    expect(await none.advanceLine("dlv_x", 1, "gone", "skip")).toEqual([]);
    expect((await none.status()).line).toBeUndefined(); // no line table: status shows none
  });
});
