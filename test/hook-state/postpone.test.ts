import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { queue } from "../../src/delivery/consumer";
import { admitDelivery, delaySecondsFor, mirrorOnRow, UNREACHABLE_HOLD_SECONDS } from "../../src/delivery/admission";
import type { HookRow } from "../../src/db/schema";
import { hookStateOf } from "../../src/durable/hook-state";
import type { DeliveryMessage, Env } from "../../src/env";
import { call, newAccount } from "../helpers/api";
import { envRecordingDeliveries, message, QUEUE, storeEvent } from "../helpers/consumer";
import { createHook, deliveryRequests, getDelivery } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// A held-back delivery, driven through the consumer directly: not an attempt, and not a try of the
// queue message either (a copy is queued instead of message.retry, so max_retries never runs out).

describe("postponing a delivery", () => {
  it("behind an open breaker: nothing is sent or recorded, and a copy carrying the tries so far is queued", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url() });
    const [id] = await storeEvent(accountId, [hook.id]);
    // The hook has failed 10 times in a row: its breaker is open, and its row says it is failing.
    const stub = hookStateOf((env as unknown as Env).HOOK_STATE, hook.id);
    for (let i = 0; i < 10; i++) await stub.recordAttempt({ ok: false, status: 500 });
    await (env as unknown as Env).DB.prepare("update hooks set failing_since = ? where id = ?").bind(new Date().toISOString(), hook.id).run();

    const { env: testEnv, sent } = envRecordingDeliveries();
    const batch = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, id!, 3, { tries_before: 2 })]);
    await queue(batch, testEnv);
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks).toEqual([`msg-${id}`]);
    expect(result.retryMessages).toEqual([]);
    // Tries 1..4 were made (2 by earlier copies, 2 by this one before this postponed try). Held until
    // the next probe (1 s here) plus a spread of up to one more probe interval (MAX_RELEASE_SPREAD_MS).
    expect(sent).toEqual([{ body: { delivery_id: id, account_id: accountId, tries_before: 4 }, delaySeconds: expect.any(Number) }]);
    expect(sent[0]!.delaySeconds).toBeGreaterThanOrEqual(1);
    expect(sent[0]!.delaySeconds).toBeLessThanOrEqual(2);
    expect(await getDelivery(key, id!)).toMatchObject({ status: "pending", attempts: 0, attempt_log: [] });
    expect(await deliveryRequests(rx)).toEqual([]);
    expect((await call("GET", `/v1/hooks/${hook.id}`, { token: key })).body.circuit).toBe("open");
  });

  it("deliveries an open breaker holds come back spread over up to one more probe interval, not all at once", async () => {
    const { key } = await newAccount();
    const hook = await createHook(key, { url: new Receiver().url() });
    const stub = hookStateOf((env as unknown as Env).HOOK_STATE, hook.id);
    for (let i = 0; i < 10; i++) await stub.recordAttempt({ ok: false, status: 500 });
    const row = { id: hook.id, rateLimitPerSecond: null, failingSince: new Date().toISOString() } as unknown as HookRow;
    const hookStates = (env as unknown as Env).HOOK_STATE;
    // The next probe is due in about 1 s (this project's first probe interval).
    const earliest = await admitDelivery(hookStates, row, () => 0);
    const latest = await admitDelivery(hookStates, row, () => 0.999);
    expect(earliest).toEqual({ action: "postpone", delaySeconds: 1 });
    expect(latest).toEqual({ action: "postpone", delaySeconds: 2 });
  });

  it("a hook's object that cannot be reached holds the delivery back: not an attempt, not a used try", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), rate_limit_per_second: 100 });
    const [id] = await storeEvent(accountId, [hook.id]);
    const { env: recording, sent } = envRecordingDeliveries(false);
    const unreachable = new Proxy(recording.HOOK_STATE, {
      get: (target, prop) => {
        if (prop === "get") return () => ({ admit: () => Promise.reject(new Error("object unreachable")) });
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const batch = createMessageBatch<DeliveryMessage>(QUEUE, [message(accountId, id!, 1)]);
    await queue(batch, { ...recording, HOOK_STATE: unreachable });
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks).toEqual([`msg-${id}`]);
    expect(result.retryMessages).toEqual([]);
    expect(sent).toEqual([{ body: { delivery_id: id, account_id: accountId, tries_before: 0 }, delaySeconds: UNREACHABLE_HOLD_SECONDS }]);
    expect(await getDelivery(key, id!)).toMatchObject({ status: "pending", attempts: 0, attempt_log: [] });
    expect(await deliveryRequests(rx)).toEqual([]);
  });

  it("waits are whole seconds, at least one; the row follows the object's record", () => {
    expect([0, 1, 999, 1000, 1001, 2500].map(delaySecondsFor)).toEqual([1, 1, 1, 1, 2, 3]);
    expect(delaySecondsFor(10 ** 9)).toBe(43_200);
    // The row carries the streak while the breaker is open: a closed breaker's streak stays off it.
    const open = { circuit: "open" as const, consecutive_failures: 10, failing_since: "2026-11-23T10:00:00.000Z", health: { kind: "none" as const } };
    const record = { ...open, circuit: "closed" as const, consecutive_failures: 1 };
    expect(mirrorOnRow({ failingSince: null }, record)).toEqual({ kind: "none" });
    expect(mirrorOnRow({ failingSince: null }, open)).toEqual({ kind: "started_failing", at: "2026-11-23T10:00:00.000Z" });
    expect(mirrorOnRow({ failingSince: null }, { ...open, circuit: "half_open" })).toEqual({ kind: "started_failing", at: "2026-11-23T10:00:00.000Z" });
    expect(mirrorOnRow({ failingSince: "2026-11-23T10:00:00.000Z" }, open)).toEqual({ kind: "none" });
    expect(mirrorOnRow({ failingSince: "2026-11-23T10:00:00.000Z" }, record)).toEqual({ kind: "recovered" });
    expect(mirrorOnRow({ failingSince: "2026-11-23T10:00:00.000Z" }, { ...record, failing_since: null, consecutive_failures: 0 })).toEqual({ kind: "recovered" });
    const disable = { kind: "disable" as const, reason: "the receiver answered 410 Gone" };
    expect(mirrorOnRow({ failingSince: null }, { ...record, health: disable })).toEqual(disable);
  });
});
