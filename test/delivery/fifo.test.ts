import { describe, expect, it } from "vitest";
import { dayOf, deliveryIdOf, parseLogId } from "../../src/domain/log-ids";
import { eventsTable } from "../../src/log/partitions";
import { call, newAccount } from "../helpers/api";
import { createHook, deliveryRequests, publish, settledDelivery } from "../helpers/delivery";
import { inLog } from "../helpers/log";
import { eventually, Receiver, type ReceivedRequest } from "../helpers/receiver";

// Ordered delivery (`ordering: "fifo"`): the receiver gets a hook's deliveries one at a time, in
// publish order. This project: 4 attempts per delivery, 1 s apart (RETRY_SCHEDULE=1,1,1).

/** Where each receipt's delivery stands in publish order (events published one after another's answer). */
function publishOrder(receipts: ReceivedRequest[], eventIds: string[]): number[] {
  const order = new Map(eventIds.map((id, i) => [deliveryIdOf(id, 0), i]));
  return receipts.map((r) => order.get(r.headers["webhook-id"]!) ?? -1);
}

async function hookLine(key: string, hookId: string): Promise<any> {
  return (await call("GET", `/v1/hooks/${hookId}`, { token: key })).body.line;
}

async function publishAll(key: string, n: number, type: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await publish(key, { type, payload: { i } })).id);
  return ids;
}

describe("ordered delivery (fifo)", () => {
  it("holds publish order under 30% receiver faults over 200 deliveries: repeats only of the delivery just sent", { timeout: 400_000 }, async () => {
    const N = 200;
    const { key } = await newAccount("fifo-chaos");
    const rx = new Receiver();
    // At most 2 failures in a row per delivery: with 4 attempts each, none ends dead (order is all that is checked).
    await rx.chaos({ rate: 0.3, slowMs: 100, maxConsecutiveFailures: 2 });
    const hook = await createHook(key, { url: rx.url(), events: ["fifo.*"], ordering: "fifo" });
    expect(hook).toMatchObject({ ordering: "fifo", ordering_on_dead: "skip" });
    const events = await publishAll(key, N, "fifo.chaos");

    // The last one ends last: everything before it has ended first.
    await settledDelivery(key, deliveryIdOf(events[N - 1]!, 0), ["succeeded"], 380_000);
    const receipts = publishOrder(await deliveryRequests(rx), events);
    // Every receipt is the delivery just sent again (a retry) or the next one in publish order.
    const outOfOrder = receipts.flatMap((p, i) => (i > 0 && p !== receipts[i - 1] && p !== receipts[i - 1]! + 1 ? [[i, receipts[i - 1], p]] : []));
    expect(outOfOrder).toEqual([]);
    expect(receipts[0]).toBe(0);
    expect(new Set(receipts).size).toBe(N);
    const tally = await rx.chaosTally();
    expect(tally.error_500 + tally.hang + tally.reset).toBeGreaterThan(20); // the faults did happen
    console.log(`fifo under chaos: ${N} deliveries, ${receipts.length} requests (${JSON.stringify(tally)})`);
    await eventually(async () => (await hookLine(key, hook.id))?.waiting === 0);
  });

  it("ordering_on_dead block: a dead delivery holds the line until its manual retry succeeds", async () => {
    const { key, rx, hook, ids: [a, b, c] } = await deadHeadFirst("fifo-block", "block");

    expect((await settledDelivery(key, a!)).status).toBe("dead");
    // The line says it is blocked behind the dead head; nothing after it was sent.
    await eventually(async () => (await hookLine(key, hook.id))?.blocked === true);
    expect(await hookLine(key, hook.id)).toEqual({ waiting: 3, head: a, blocked: true });
    for (const id of [b!, c!]) expect((await call("GET", `/v1/deliveries/${id}`, { token: key })).body).toMatchObject({ status: "pending", attempts: 0 });
    expect((await deliveryRequests(rx)).map((r) => r.headers["webhook-id"])).toEqual([a, a, a, a]);

    // A manual retry of the dead head (the receiver answers 200 now) unblocks the line, in order.
    expect((await call("POST", `/v1/deliveries/${a}/retry`, { token: key })).status).toBe(202);
    for (const id of [a!, b!, c!]) expect((await settledDelivery(key, id)).status).toBe("succeeded");
    expect((await deliveryRequests(rx)).map((r) => r.headers["webhook-id"])).toEqual([a, a, a, a, a, b, c]);
    await eventually(async () => (await hookLine(key, hook.id))?.waiting === 0);
  });

  it("ordering_on_dead skip: a dead delivery is passed over, the next ones follow it in order", async () => {
    const { key, rx, ids: [a, b, c] } = await deadHeadFirst("fifo-skip", "skip");

    expect((await settledDelivery(key, a!)).status).toBe("dead");
    for (const id of [b!, c!]) expect((await settledDelivery(key, id)).status).toBe("succeeded");
    // b waited for a's four attempts: with ordering off it would have taken one of the 500s.
    expect((await deliveryRequests(rx)).map((r) => r.headers["webhook-id"])).toEqual([a, a, a, a, b, c]);
  });

  it("turning ordering off releases the line: what waited behind a blocked head is sent at once", async () => {
    const { key, rx, hook, ids: [a, b, c] } = await deadHeadFirst("fifo-release", "block");
    await eventually(async () => (await hookLine(key, hook.id))?.blocked === true);

    const patched = await call("PATCH", `/v1/hooks/${hook.id}`, { token: key, body: { ordering: "none" } });
    expect(patched.body).toMatchObject({ ordering: "none", ordering_on_dead: "block" });
    for (const id of [b!, c!]) expect((await settledDelivery(key, id)).status).toBe("succeeded");
    expect((await call("GET", `/v1/deliveries/${a}`, { token: key })).body.status).toBe("dead");
    expect(await hookLine(key, hook.id)).toEqual({ waiting: 0, head: null, blocked: false });
  });

  it("a head whose event left the log (retention) moves the line on: the next delivery is sent", async () => {
    const { accountId, key } = await newAccount("fifo-gone");
    const rx = new Receiver();
    // The first request fails: the head stays the head (its retry due in 1 s) unless it is gone first.
    await rx.script([{ status: 500 }], { status: 200, body: "ok" });
    const hook = await createHook(key, { url: rx.url(), events: ["fifo.*"], ordering: "fifo", ordering_on_dead: "block" });
    const [first, second] = await publishAll(key, 2, "fifo.gone");
    // The first event's row is dropped as the retention purge drops it; nothing else names its delivery's hook.
    await inLog(accountId, (_db, state) => state.storage.sql.exec(`DELETE FROM ${eventsTable(dayOf(parseLogId(first!)!.ms))} WHERE id = ?`, first!));
    const [a, b] = [deliveryIdOf(first!, 0), deliveryIdOf(second!, 0)];

    expect((await settledDelivery(key, b)).status).toBe("succeeded");
    expect((await call("GET", `/v1/deliveries/${a}`, { token: key })).status).toBe(404);
    await eventually(async () => (await hookLine(key, hook.id))?.waiting === 0);
    expect(await hookLine(key, hook.id)).toEqual({ waiting: 0, head: null, blocked: false });
  });

  it("refuses an unknown ordering (400) and defaults to none", async () => {
    const { key } = await newAccount("fifo-fields");
    const bad = await call("POST", "/v1/hooks", { token: key, body: { name: "x", url: "http://127.0.0.1:9/x", ordering: "lifo" } });
    expect(bad.status).toBe(400);
    const h = await createHook(key, { url: "http://127.0.0.1:9/x", events: ["x"] });
    expect(h).toMatchObject({ ordering: "none", ordering_on_dead: "skip" });
    expect((await call("PATCH", `/v1/hooks/${h.id}`, { token: key, body: { ordering_on_dead: "wait" } })).status).toBe(400);
  });
});

/**
 * A FIFO hook whose receiver fails the first delivery's four attempts (dead on the quick schedule)
 * and answers 200 after, and three events published to it: their deliveries in publish order.
 */
async function deadHeadFirst(name: string, onDead: "block" | "skip") {
  const { key } = await newAccount(name);
  const rx = new Receiver();
  await rx.script([{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }], { status: 200, body: "ok" });
  const hook = await createHook(key, { url: rx.url(), events: ["fifo.*"], ordering: "fifo", ordering_on_dead: onDead });
  const ids = (await publishAll(key, 3, name.replace("fifo-", "fifo."))).map((e) => deliveryIdOf(e, 0));
  return { key, rx, hook, ids };
}
