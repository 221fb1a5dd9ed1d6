import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { createHook, deliveriesOf, deliveryRequests, publish, settledDelivery, waitForDeliveryRequests } from "../helpers/delivery";
import { eventually, Receiver } from "../helpers/receiver";

describe("publishing events", () => {
  it("reaches exactly the matching hooks, with the body and headers of the delivery contract, verifiable by standardwebhooks", async () => {
    const { key } = await newAccount();
    const failed = new Receiver();
    const anyJob = new Receiver();
    const other = new Receiver();
    const scoped = new Receiver();
    const raw = new Receiver();
    const hFailed = await createHook(key, { url: failed.url("/in"), events: ["job_run.failed"], headers: { "x-team": "data" } });
    const hAny = await createHook(key, { url: anyJob.url(), events: ["job_run.*"] });
    await createHook(key, { url: other.url(), events: ["model_version.created"] });
    await createHook(key, { url: scoped.url(), events: [], applications: ["billing"] });
    const hRaw = await createHook(key, { url: raw.url(), events: ["job_run.failed"], payload_format: "raw" });
    await createHook(key, { url: other.url(), events: ["job_run.failed"], enabled: false });

    const published = await publish(key, { type: "job_run.failed", payload: { run: 42, reason: "oom" }, applications: ["search"], work_id: "work_abc" });
    expect(published).toMatchObject({ type: "job_run.failed", deliveries: 3 });
    expect(published.id).toMatch(/^evt_/);

    const [got] = await waitForDeliveryRequests(failed, 1);
    const [gotAny] = await waitForDeliveryRequests(anyJob, 1);
    const [gotRaw] = await waitForDeliveryRequests(raw, 1);

    // The contract's headers.
    expect(got!.method).toBe("POST");
    expect(got!.path).toBe(`/r/${failed.ns}/in`);
    expect(got!.headers["content-type"]).toBe("application/json");
    expect(got!.headers["user-agent"]).toMatch(/^hookrouter\//);
    expect(got!.headers["webhook-id"]).toMatch(/^dlv_/);
    expect(Number(got!.headers["webhook-timestamp"])).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(got!.headers["x-team"]).toBe("data");
    // The envelope.
    const body = JSON.parse(got!.body);
    expect(body).toEqual({
      id: published.id,
      type: "job_run.failed",
      timestamp: expect.any(String),
      data: { run: 42, reason: "oom" },
      applications: ["search"],
      work_id: "work_abc",
    });
    expect(JSON.parse(gotRaw!.body)).toEqual({ run: 42, reason: "oom" });
    // Every signature verifies with the hook's own secret.
    for (const [req, hook] of [[got!, hFailed], [gotAny!, hAny], [gotRaw!, hRaw]] as const) {
      expect(() => new Webhook(hook.secret).verify(req.body, req.headers)).not.toThrow();
      expect(() => new Webhook(hFailed.secret === hook.secret ? hAny.secret : hFailed.secret).verify(req.body, req.headers)).toThrow();
    }
    // How promptly is the bench's to measure (publish-to-receipt p50/p95/p99, bench/phases/delivery.ts).

    // The deliveries end succeeded, one attempt each, visible with the event.
    const deliveries = await deliveriesOf(key, published.id);
    expect(deliveries).toHaveLength(3);
    for (const d of deliveries) {
      const settled = await settledDelivery(key, d.id);
      expect(settled).toMatchObject({ status: "succeeded", attempts: 1, event_id: published.id, event_type: "job_run.failed" });
      expect(settled.attempt_log).toEqual([{ n: 1, at: expect.any(String), response_status: 200, response_body: "ok", error: null, duration_ms: expect.any(Number) }]);
    }
    const event = await call("GET", `/v1/events/${published.id}`, { token: key });
    expect(event.status).toBe(200);
    expect(event.body).toMatchObject({ id: published.id, payload: { run: 42, reason: "oom" }, work_id: "work_abc", delivery_count: 3 });
    expect(event.body.deliveries.map((d: any) => d.hook_id).sort()).toEqual([hFailed.id, hAny.id, hRaw.id].sort());
    // Nothing reached the hooks that do not match.
    expect(await deliveryRequests(other)).toHaveLength(0);
    expect(await deliveryRequests(scoped)).toHaveLength(0);
  });

  it("answers an idempotent repeat with the first event and creates nothing, also under concurrent repeats", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    await createHook(key, { url: rx.url(), events: [] });
    const first = await publish(key, { type: "a.b", payload: { n: 1 } }, { "idempotency-key": "order-1" });
    const again = await publish(key, { type: "a.b", payload: { n: 2 }, idempotency_key: "order-1" });
    expect(again).toEqual(first);
    const racing = await Promise.all(Array.from({ length: 5 }, () => publish(key, { type: "a.b", payload: { n: 3 } }, { "idempotency-key": "order-2" })));
    expect(new Set(racing.map((r) => r.id)).size).toBe(1);
    const events = await call("GET", "/v1/events?type=a.b", { token: key });
    expect(events.body.data).toHaveLength(2);
    // One delivery per event, nothing for the repeats: the receiver gets those two and no more can come.
    const all = await call("GET", "/v1/deliveries?limit=100", { token: key });
    expect(all.body.data.map((d: { event_id: string }) => d.event_id).sort()).toEqual([first.id, racing[0]!.id].sort());
    expect(await waitForDeliveryRequests(rx, 2)).toHaveLength(2);
    const mismatch = await call("POST", "/v1/events", { token: key, body: { type: "a.b", payload: {}, idempotency_key: "x" }, headers: { "idempotency-key": "y" } });
    expectErrorShape(mismatch, 400, "validation_failed");
  });

  it("refuses a payload over 256 KiB with 413 and stores nothing", async () => {
    const { key } = await newAccount();
    const big = { blob: "x".repeat(256 * 1024) };
    const res = await call("POST", "/v1/events", { token: key, body: { type: "big.one", payload: big } });
    expectErrorShape(res, 413, "payload_too_large");
    const justUnder = { blob: "x".repeat(256 * 1024 - 20) };
    expect((await call("POST", "/v1/events", { token: key, body: { type: "big.one", payload: justUnder } })).status).toBe(202);
    const list = await call("GET", "/v1/events", { token: key });
    expect(list.body.data).toHaveLength(1);
  });

  it("enforces the event-type catalog and keeps non-application-level types away from application-scoped hooks", async () => {
    const { key } = await newAccount();
    const site = new Receiver();
    const app = new Receiver();
    await call("PUT", "/v1/event-types/CREATE_TEAM", { token: key, body: { application_level: false } });
    await call("PUT", "/v1/event-types/UPDATE_SWITCH", { token: key, body: {} });
    await createHook(key, { url: site.url(), events: [] });
    await createHook(key, { url: app.url(), events: [], applications: ["shop"] });
    expectErrorShape(await call("POST", "/v1/events", { token: key, body: { type: "NOT_LISTED", payload: {} } }), 422, "unprocessable");
    expect((await publish(key, { type: "CREATE_TEAM", payload: {}, applications: ["shop"] })).deliveries).toBe(1);
    expect((await publish(key, { type: "UPDATE_SWITCH", payload: {}, applications: ["shop"] })).deliveries).toBe(2);
    expect(await waitForDeliveryRequests(site, 2)).toHaveLength(2);
    expect(await waitForDeliveryRequests(app, 1)).toHaveLength(1);
  });

  it("keeps each account to its own events and deliveries", async () => {
    const { key } = await newAccount();
    const other = await newAccount("other");
    await createHook(key, { url: new Receiver().url() });
    const ev = await publish(key, { type: "a", payload: {} });
    const [d] = await deliveriesOf(key, ev.id);
    expectErrorShape(await call("GET", `/v1/events/${ev.id}`, { token: other.key }), 404, "not_found");
    expectErrorShape(await call("GET", `/v1/deliveries/${d.id}`, { token: other.key }), 404, "not_found");
    expectErrorShape(await call("POST", `/v1/deliveries/${d.id}/retry`, { token: other.key }), 404, "not_found");
    expect((await call("GET", `/v1/deliveries?event_id=${ev.id}`, { token: other.key })).body).toEqual({ data: [], next_cursor: null });
  });

  it("pages events and deliveries with cursors and filters", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    const h1 = await createHook(key, { url: rx.url() });
    await createHook(key, { url: rx.url() });
    const published = [];
    for (let i = 0; i < 5; i++) published.push(await publish(key, { type: i % 2 ? "odd" : "even", payload: { i } }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await call("GET", `/v1/events?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: key });
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((e: any) => e.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(published.map((e) => e.id).reverse());
    const odd = await call("GET", "/v1/events?type=odd", { token: key });
    expect(odd.body.data.map((e: any) => e.id)).toEqual([published[3]!.id, published[1]!.id]);
    expect(odd.body.data[0]).not.toHaveProperty("payload");
    const later = await call("GET", `/v1/events?created_after=${encodeURIComponent(odd.body.data[1].created_at)}`, { token: key });
    expect(later.body.data.map((e: any) => e.id)).toEqual([published[4]!.id, published[3]!.id, published[2]!.id]);
    const ofHook = await call("GET", `/v1/deliveries?hook_id=${h1.id}&limit=3`, { token: key });
    expect(ofHook.body.data).toHaveLength(3);
    expect(ofHook.body.data.every((d: any) => d.hook_id === h1.id)).toBe(true);
    const rest = await call("GET", `/v1/deliveries?hook_id=${h1.id}&cursor=${ofHook.body.next_cursor}`, { token: key });
    expect(rest.body).toMatchObject({ next_cursor: null });
    expect(rest.body.data).toHaveLength(2);
    await waitForDeliveryRequests(rx, 10);
    expect(await eventually(async () => (await call("GET", "/v1/deliveries?status=succeeded", { token: key })).body.data.length === 10)).toBe(true);
    expect((await call("GET", "/v1/deliveries?status=pending", { token: key })).body.data).toEqual([]);
    expectErrorShape(await call("GET", "/v1/deliveries?status=lost", { token: key }), 400, "validation_failed");
    expectErrorShape(await call("GET", "/v1/events?cursor=nope", { token: key }), 400, "validation_failed");
  });

  it("holds a work_id to the rule a gate's work_id answer is held to (1 to 128 printable ASCII, no spaces)", async () => {
    const { key } = await newAccount();
    const longest = "w".repeat(128);
    const accepted = await call("POST", "/v1/events", { token: key, body: { type: "a", payload: {}, work_id: longest } });
    expect(accepted.status).toBe(202);
    expect((await call("GET", `/v1/events/${accepted.body.id}`, { token: key })).body.work_id).toBe(longest);
    for (const workId of ["", "w".repeat(129), "has space", "tab\there", "ünï"]) {
      const refused = await call("POST", "/v1/events", { token: key, body: { type: "a", payload: {}, work_id: workId } });
      expectErrorShape(refused, 400, "validation_failed");
      expect(refused.body.error.details.map((d: { path: string }) => d.path), JSON.stringify(workId)).toEqual(["work_id"]);
    }
    expect((await call("GET", "/v1/events", { token: key })).body.data).toHaveLength(1);
  });
});
