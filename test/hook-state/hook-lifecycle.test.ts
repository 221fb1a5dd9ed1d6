import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { SealedIn, SecretBox } from "../../src/crypto/secret-box";
import { hookStateOf, type HookState } from "../../src/durable/hook-state";
import type { Env } from "../../src/env";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { createHook, testedHook } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// What a hook's Durable Object does around the hook's end of life and around secrets it cannot open:
// a deleted hook leaves no state and no queued test behind, and an automatic test of a hook whose
// sealed secret cannot be opened fails with the reason instead of throwing from the alarm.

const ns = (env as unknown as Env).HOOK_STATE;
const db = (env as unknown as Env).DB;

let accountId: string;
let key: string;

beforeAll(async () => {
  ({ accountId, key } = await newAccount("lifecycle"));
});

async function createSettledHook(rx: Receiver): Promise<{ id: string }> {
  const hook = await createHook(key, { url: rx.url(), rate_limit_per_second: 2 });
  await testedHook(key, hook.id);
  return hook;
}

const getHook = async (id: string) => (await call("GET", `/v1/hooks/${id}`, { token: key })).body;

/** Every key the object stores, and its alarm. */
async function storedState(stub: DurableObjectStub<HookState>): Promise<{ keys: string[]; alarm: number | null }> {
  return runInDurableObject(stub, async (_instance, state) => ({
    keys: [...state.storage.kv.list()].map(([k]) => k).sort(),
    alarm: await state.storage.getAlarm(),
  }));
}

describe("deleting a hook", () => {
  it("clears its Durable Object: token bucket, breaker, last test and the queued test's alarm", async () => {
    const rx = new Receiver();
    const hook = await createSettledHook(rx);
    const stub = hookStateOf(ns, hook.id);
    // Everything the object can hold for a hook: a bucket, a failure streak, a last test, a test queued.
    await stub.admit({ rateLimitPerSecond: 2, maxWaitMs: 0 });
    for (let i = 0; i < 3; i++) await stub.recordAttempt({ ok: false, status: 500 });
    await stub.scheduleTest(accountId, hook.id, 3_600_000);
    const before = await storedState(stub);
    expect(before.keys).toEqual(["breaker", "bucket", "hook", "last_test"]);
    expect(before.alarm).not.toBeNull();

    const deleted = await call("DELETE", `/v1/hooks/${hook.id}`, { token: key });
    expect(deleted.status).toBe(200);
    expect(deleted.body.id).toBe(hook.id);
    expect(await storedState(stub)).toEqual({ keys: [], alarm: null });
    expectErrorShape(await call("GET", `/v1/hooks/${hook.id}`, { token: key }), 404, "not_found");
    expectErrorShape(await call("DELETE", `/v1/hooks/${hook.id}`, { token: key }), 404, "not_found");
    // Only the automatic test at creation reached the receiver.
    expect(await rx.requests()).toHaveLength(1);
  });

  it("an alarm left for a hook that no longer exists ends quietly and clears the object", async () => {
    const rx = new Receiver();
    const hook = await createSettledHook(rx);
    const stub = hookStateOf(ns, hook.id);
    await stub.scheduleTest(accountId, hook.id, 3_600_000);
    // Deleted around the API (as if the object could not be reached when the hook was deleted).
    await db.prepare("delete from hooks where id = ?").bind(hook.id).run();

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await storedState(stub)).toEqual({ keys: [], alarm: null });
    expect(await rx.requests()).toHaveLength(1);
  });
});

describe("a hook whose sealed secret cannot be opened", () => {
  /** Sealed under a key this hookrouter is not configured with. */
  async function sealedUnderUnknownKey(hookId: string): Promise<{ sealed: string; keyId: string }> {
    const box = await SecretBox.create(btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))));
    return { sealed: await box.seal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", SealedIn.hookSecret(hookId)), keyId: box.currentKeyId };
  }

  it("fails its automatic test with the reason, becomes invalid, and the alarm does not throw", async () => {
    const rx = new Receiver();
    const hook = await createSettledHook(rx);
    const { sealed, keyId } = await sealedUnderUnknownKey(hook.id);
    // A `new` hook (as after a secret change) whose secret was sealed under a key since removed.
    await db.prepare("update hooks set secret_sealed = ?, state = 'new' where id = ?").bind(sealed, hook.id).run();
    const stub = hookStateOf(ns, hook.id);
    await stub.scheduleTest(accountId, hook.id, 3_600_000);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = await getHook(hook.id);
    expect(after.state).toBe("invalid");
    expect(after.last_test).toMatchObject({ success: false, response_status: null, response_body: null });
    expect(after.last_test.error_message).toContain(`no encryption key with id ${keyId} is configured`);
    expect(after.last_test.error_message).toMatch(/^not sent: a secret this hook needs cannot be decrypted/);
    // Nothing left queued: the alarm is not retried.
    expect((await storedState(stub)).alarm).toBeNull();
    expect(await rx.requests()).toHaveLength(1);
  });

  it("POST /v1/hooks/{id}/test answers the failed test, not a 500", async () => {
    const rx = new Receiver();
    const hook = await createSettledHook(rx);
    const { sealed, keyId } = await sealedUnderUnknownKey(hook.id);
    await db.prepare("update hooks set secret_sealed = ? where id = ?").bind(sealed, hook.id).run();

    const res = await call("POST", `/v1/hooks/${hook.id}/test`, { token: key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: false, response_status: null });
    expect(res.body.error_message).toContain(`no encryption key with id ${keyId} is configured`);
    expect((await getHook(hook.id)).state).toBe("invalid");
    expect(await rx.requests()).toHaveLength(1);
  });
});
