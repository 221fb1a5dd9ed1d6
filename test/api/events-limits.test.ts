import { describe, expect, it } from "vitest";
import { IDEMPOTENCY_WINDOW_MS, MAX_FANOUT } from "../../src/services/events";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { envRecordingDeliveries } from "../helpers/consumer";
import { createHook } from "../helpers/delivery";
import { inLog } from "../helpers/log";
import { logCounts } from "../helpers/log-counts";
import { cloneHook } from "../helpers/many-hooks";

// Two limits of POST /v1/events that take a large account or a day to reach: the fan-out cap (hooks
// written straight to D1) and the idempotency window (the claim's age moved in the account's delivery
// log, where claims live, not waited for).

describe("fan-out cap", () => {
  it(`accepts an event reaching ${MAX_FANOUT} hooks and refuses one reaching more with 422, storing and enqueueing nothing`, { timeout: 60_000 }, async () => {
    const { accountId, key } = await newAccount();
    const template = await createHook(key, { url: "https://hooks.example.com/fan", events: ["fan.*"] });
    await cloneHook(template.id, MAX_FANOUT - 1);
    await createHook(key, { url: "https://hooks.example.com/over", events: ["fan.over"] });

    // Over the cap: the queue refuses anything it is asked and records it, so a missing cap would
    // store the event and answer 202 (a refused queue no longer undoes a publish), with the send recorded.
    const refusing = envRecordingDeliveries("refuse");
    const over = await call("POST", "/v1/events", { token: key, env: refusing.env, body: { type: "fan.over", payload: {} } });
    expectErrorShape(over, 422, "unprocessable");
    expect(over.body.error.message).toBe(`this event would reach ${MAX_FANOUT + 1} hooks; one event may reach at most ${MAX_FANOUT}`);
    expect(refusing.sent).toHaveLength(0);
    expect(await logCounts(accountId)).toEqual({ events: 0, deliveries: 0, idempotency_keys: 0 });

    // At the cap: accepted, every message handed to the queue (kept back: no hook is contacted).
    const keeping = envRecordingDeliveries(false);
    const at = await call("POST", "/v1/events", { token: key, env: keeping.env, body: { type: "fan.under", payload: {} } });
    expect(at.status).toBe(202);
    expect(at.body.deliveries).toBe(MAX_FANOUT);
    expect(new Set(keeping.sent.map((s) => s.body.delivery_id)).size).toBe(MAX_FANOUT);
    expect(await logCounts(accountId)).toEqual({ events: 1, deliveries: MAX_FANOUT, idempotency_keys: 0 });
  });
});

describe("idempotency window", () => {
  it("answers a repeat with the first event while its claim is younger than the window, and makes a new event once it is older", async () => {
    const { accountId, key } = await newAccount();
    const publish = async () => {
      const res = await call("POST", "/v1/events", { token: key, body: { type: "order.paid", payload: {} }, headers: { "idempotency-key": "order-9" } });
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    // The account's claims (one log shard): a claim answers its first event for 24 h after its created_at.
    const ageClaim = (ms: number) => inLog(accountId, (db) => db.sql.exec("UPDATE idempotency SET created_at = ?", new Date(Date.now() - ms).toISOString()).rowsWritten);

    const first = await publish();
    await ageClaim(IDEMPOTENCY_WINDOW_MS - 60_000);
    expect(await publish()).toBe(first);

    await ageClaim(IDEMPOTENCY_WINDOW_MS + 1000);
    const second = await publish();
    expect(second).not.toBe(first);
    const claim = await inLog(accountId, (db) => db.sql.exec<{ key: string; event_id: string }>("SELECT key, event_id FROM idempotency").toArray());
    expect(claim).toEqual([{ key: "order-9", event_id: second }]);
    expect((await logCounts(accountId)).events).toBe(2);
  });
});
