import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { createHook, deliveriesOf, publish } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// A warm publish reads no hooks: they come from isolate memory (src/services/fanout-cache.ts), and the
// write transaction's guard checks them. Every change below is made straight in D1, as another
// isolate or the consumer would make it (this isolate's cache is not told), and the very next event
// must follow it.

const hookIdsOf = async (key: string, eventId: string) => (await deliveriesOf(key, eventId)).map((d) => d.hook_id).sort();

describe("fan-out from the cached hooks", () => {
  it("follows hooks added, changed, disabled and removed behind the cache's back", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    const a = await createHook(key, { url: rx.url(), events: ["order.*"] });
    const b = await createHook(key, { url: rx.url(), events: ["order.paid"] });
    // Warms the cache.
    expect((await publish(key, { type: "order.paid", payload: { n: 1 } })).deliveries).toBe(2);

    // Disabled: no longer reached.
    await env.DB.prepare("update hooks set enabled = 0 where id = ?").bind(b.id).run();
    const e1 = await publish(key, { type: "order.paid", payload: { n: 2 } });
    expect(await hookIdsOf(key, e1.id)).toEqual([a.id]);

    // Subscriptions changed: a no longer matches, b (enabled again) does.
    await env.DB.batch([
      env.DB.prepare("update hooks set events = ? where id = ?").bind('["invoice.*"]', a.id),
      env.DB.prepare("update hooks set enabled = 1 where id = ?").bind(b.id),
    ]);
    const e2 = await publish(key, { type: "order.paid", payload: { n: 3 } });
    expect(await hookIdsOf(key, e2.id)).toEqual([b.id]);

    // A hook added by copying a row (no API call, so nothing in this isolate knows).
    const c = "hook_01ZZZZZZZZZZZZZZZZZZZZZZZZ";
    await env.DB.prepare(
      "insert into hooks (id, account_id, name, description, kind, url, events, fallback, phase, on_error, enabled, payload_format, headers, metadata, secret_sealed, state, created_at, updated_at) select ?, account_id, 'copy', description, kind, url, events, fallback, phase, on_error, enabled, payload_format, headers, metadata, secret_sealed, state, created_at, updated_at from hooks where id = ?",
    )
      .bind(c, b.id)
      .run();
    const e3 = await publish(key, { type: "order.paid", payload: { n: 4 } });
    expect(await hookIdsOf(key, e3.id)).toEqual([b.id, c].sort());

    // Removed.
    await env.DB.prepare("delete from hooks where id = ? and account_id = ?").bind(c, accountId).run();
    const e4 = await publish(key, { type: "order.paid", payload: { n: 5 } });
    expect(await hookIdsOf(key, e4.id)).toEqual([b.id]);
  });

  it("follows the event-type catalog changed behind the cache's back", async () => {
    const { accountId, key } = await newAccount();
    const rx = new Receiver();
    await createHook(key, { url: rx.url(), events: ["*"] });
    expect((await publish(key, { type: "user.created", payload: {} })).deliveries).toBe(1);

    // A catalog appears without user.created: the type is refused from now on.
    const now = new Date().toISOString();
    await env.DB.prepare("insert into event_types (account_id, name, description, application_level, created_at, updated_at) values (?, 'user.deleted', '', 1, ?, ?)")
      .bind(accountId, now, now)
      .run();
    expectErrorShape(await call("POST", "/v1/events", { token: key, body: { type: "user.created", payload: {} } }), 422, "unprocessable");
    expect((await publish(key, { type: "user.deleted", payload: {} })).deliveries).toBe(1);
  });

  it("still answers an idempotent repeat with the first event, without storing anything", async () => {
    const { key } = await newAccount();
    await createHook(key, { url: new Receiver().url(), events: ["*"] });
    const first = await publish(key, { type: "t", payload: { n: 1 } }, { "idempotency-key": "k-1" });
    const again = await publish(key, { type: "t", payload: { n: 2 } }, { "idempotency-key": "k-1" });
    expect(again).toEqual(first);
    const list = await call("GET", "/v1/events?limit=10", { token: key });
    expect(list.body.data.map((e: { id: string }) => e.id)).toEqual([first.id]);
  });
});
