import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, callAnsweredFirst, newAccount } from "../helpers/api";
import { eventually } from "../helpers/receiver";

// The api project runs with the outbound URL guard on (ALLOW_PRIVATE_TARGETS=false). A hook whose url
// the API would refuse can still exist: written before the guard was stricter, or straight into D1.
// At send time the guard is checked again: the attempt fails with the reason and nothing is sent.

describe("URL guard at send time", () => {
  it("records a refused url as a failed attempt without sending, and retries on the schedule", async () => {
    const { key } = await newAccount();
    const created = await call("POST", "/v1/hooks", { token: key, body: { name: "internal", url: "https://hooks.example.com/in" } });
    expect(created.status).toBe(201);
    // 10.255.255.1 does not answer: had the request been sent, it would have run into the 15 s timeout.
    await env.DB.prepare("update hooks set url = ? where id = ?").bind("http://10.255.255.1/in", created.body.id).run();

    // Answered at once: the first retry, 5 s later (the default schedule), is made by the publishing
    // Worker after the checks below.
    const ev = await callAnsweredFirst("POST", "/v1/events", { token: key, body: { type: "a", payload: {} } });
    expect(ev.status).toBe(202);
    expect(ev.body.deliveries).toBe(1);
    const list = await call("GET", `/v1/deliveries?event_id=${ev.body.id}`, { token: key });
    const id = list.body.data[0].id;
    let d: any;
    await eventually(async () => (d = (await call("GET", `/v1/deliveries/${id}`, { token: key })).body).attempts >= 1, 20_000);
    expect(d).toMatchObject({ status: "failed", attempts: 1 });
    expect(Date.parse(d.next_attempt_at) - Date.parse(d.last_attempt_at)).toBeGreaterThanOrEqual(3000); // 5 s ± 20 %
    expect(d.attempt_log).toEqual([
      {
        n: 1,
        at: expect.any(String),
        response_status: null,
        response_body: null,
        error: "not sent: the outbound URL guard refused the hook's url (address 10.255.255.1 is a private address)",
        duration_ms: expect.any(Number),
      },
    ]);
    // The error is the guard's, written before any request: a request sent would have ended in a
    // timeout or a network error instead. (No bound on duration_ms: a loaded machine is no clock.)
    // The retry on the schedule fails the same way.
    await ev.done;
    expect((await call("GET", `/v1/deliveries/${id}`, { token: key })).body).toMatchObject({ status: "failed", attempts: 2, attempt_log: [{ n: 1 }, { n: 2, error: d.attempt_log[0].error }] });
  }, 20_000);
});
