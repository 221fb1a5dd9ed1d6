import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { call, newAccount } from "../helpers/api";
import { createHook, deliveriesOf, deliveryRequests, publish, settledDelivery, waitForDeliveryRequests } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// Receivers that fight back, through the real pipeline (publish → queue → consumer → sender), in
// the delivery project (RETRY_SCHEDULE=1,1,1, DELIVERY_TIMEOUT_MS=2000).

const db = (env as unknown as { DB: D1Database }).DB;

describe("hostile receivers", () => {
  it("never follows a redirect, to a private address or the metadata service: a failed attempt with the Location recorded", async () => {
    const { key } = await newAccount();
    const internal = new Receiver(); // stands for an address on the router's own network
    const redirector = new Receiver();
    await redirector.script([
      { status: 302, headers: { location: internal.url("/admin") } },
      { status: 307, headers: { location: "http://169.254.169.254/latest/meta-data/iam/security-credentials/" } },
    ]);
    await createHook(key, { url: redirector.url("/in"), events: ["job.done"] });
    const event = await publish(key, { type: "job.done", payload: { n: 1 } });
    const [delivery] = await deliveriesOf(key, event.id);
    const settled = await settledDelivery(key, delivery.id);

    // The third attempt (the script's fallback, 200) succeeds; the first two were the redirects.
    expect(settled).toMatchObject({ status: "succeeded", attempts: 3 });
    const [first, second] = settled.attempt_log;
    expect(first).toMatchObject({ n: 1, response_status: 302, error: expect.stringContaining(internal.url("/admin")) });
    expect(second).toMatchObject({ n: 2, response_status: 307, error: expect.stringContaining("169.254.169.254") });
    expect(await internal.requests()).toHaveLength(0);
    expect(await deliveryRequests(redirector)).toHaveLength(3);
  });

  it("reports a redirecting endpoint as a failed synchronous test, without following it", async () => {
    const { key } = await newAccount();
    const internal = new Receiver();
    const redirector = new Receiver();
    const hook = await createHook(key, { url: redirector.url(), events: ["job.done"] });
    await redirector.script([{ status: 301, headers: { location: internal.url() } }]);
    const tested = await call("POST", `/v1/hooks/${hook.id}/test`, { token: key, body: {} });
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ success: false, response_status: 301 });
    expect(tested.body.error_message).toContain(internal.url());
    expect(await internal.requests()).toHaveLength(0);
  });

  it("reads 4 KiB of an endless body and moves on; a hanging receiver times out; neither stalls other hooks", async () => {
    const { key } = await newAccount();
    const endless = new Receiver();
    const hanging = new Receiver();
    const healthy = new Receiver();
    await endless.script([], { endless: true });
    await hanging.script([{ hang: true }]);
    const endlessHook = await createHook(key, { url: endless.url(), events: ["job.done"] });
    await createHook(key, { url: hanging.url(), events: ["job.done"] });
    const healthyHook = await createHook(key, { url: healthy.url(), events: ["job.done"] });

    const events = [];
    for (let i = 0; i < 3; i++) events.push(await publish(key, { type: "job.done", payload: { i } }));
    const attempts: Array<{ error: string | null; duration_ms: number }> = [];
    // The healthy receiver gets all three, each at its first attempt (checked below): neither the
    // endless body nor the hang held its deliveries back into a retry.
    expect(await waitForDeliveryRequests(healthy, 3)).toHaveLength(3);

    for (const e of events) {
      const deliveries = await deliveriesOf(key, e.id);
      expect(deliveries).toHaveLength(3);
      expect(deliveries.map((d) => d.hook_id)).toContain(endlessHook.id);
      for (const d of deliveries) {
        const settled = await settledDelivery(key, d.id);
        expect(settled.status).toBe("succeeded");
        attempts.push(...settled.attempt_log);
        const last = settled.attempt_log[settled.attempt_log.length - 1];
        if (d.hook_id === healthyHook.id) expect(settled.attempts).toBe(1);
        if (d.hook_id === endlessHook.id) {
          // Read 4 KiB and moved on: a success, not the timeout (2 s) running out on the stream.
          expect(settled.attempts).toBe(1);
          expect(last).toMatchObject({ response_status: 200, error: null });
          expect(last.response_body).toHaveLength(4096);
        }
      }
    }
    // Exactly one attempt of the account timed out (the hanging receiver's first), after the 2 s timeout.
    const timeouts = attempts.filter((a) => a.error?.startsWith("timed out"));
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]!.duration_ms).toBeGreaterThanOrEqual(1900);
  });

  it("sends the contract headers whatever the hook's stored headers say, even in another letter case", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    const hook = await createHook(key, { url: rx.url(), events: ["job.done"], headers: { "x-team": "data" } });
    // Reserved names are refused when a hook is saved (hooks-validation tests); here a row holds
    // them anyway (written before the rule, or by a bug): the request must still be the contract's.
    const smuggled = {
      "x-team": "data",
      "Webhook-Signature": "v1,Zm9yZ2Vk",
      "webhook-id": "msg_forged",
      "Content-Type": "text/plain",
      "USER-AGENT": "evil/1.0",
      Host: "evil.example",
    };
    await db.prepare("update hooks set headers = ? where id = ?").bind(JSON.stringify(smuggled), hook.id).run();

    const event = await publish(key, { type: "job.done", payload: { ok: true } });
    const [got] = await waitForDeliveryRequests(rx, 1);
    expect(got!.headers["x-team"]).toBe("data");
    expect(got!.headers["content-type"]).toBe("application/json");
    expect(got!.headers["user-agent"]).toMatch(/^hookrouter\/[\d.]+$/);
    expect(got!.headers["webhook-id"]).toMatch(/^dlv_/);
    expect(got!.headers["webhook-signature"]).not.toContain("Zm9yZ2Vk");
    expect(got!.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(new Webhook(hook.secret).verify(got!.body, got!.headers)).toEqual({ id: event.id, type: "job.done", timestamp: expect.any(String), data: { ok: true }, applications: [], work_id: null });
  });
});
