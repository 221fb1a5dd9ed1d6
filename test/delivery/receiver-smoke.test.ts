import { describe, expect, it } from "vitest";
import { buildSignedRequest } from "../../src/delivery/request";
import { sendHttp } from "../../src/delivery/http-sender";
import { Receiver } from "../helpers/receiver";

describe("HTTP sender against a real receiver", () => {
  it("sends the signed request and records status and body", async () => {
    const rx = new Receiver();
    await rx.script([{ status: 503, body: "busy", headers: { "retry-after": "7" } }]);
    const req = await buildSignedRequest({ url: rx.url("/hook"), webhookId: "dlv_1", body: '{"a":1}', secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] });
    const first = await sendHttp(req, 2000);
    expect(first).toMatchObject({ ok: false, status: 503, body: "busy", retryAfterSeconds: 7, timedOut: false });
    const second = await sendHttp(req, 2000);
    expect(second).toMatchObject({ ok: true, status: 200, body: "ok", error: null });
    const got = await rx.requests();
    expect(got).toHaveLength(2);
    expect(got[0]!.headers["webhook-id"]).toBe("dlv_1");
    expect(got[0]!.body).toBe('{"a":1}');
  });

  it("does not follow redirects, times out on a hanging receiver, and reads only 4 KiB of an endless body", async () => {
    const rx = new Receiver();
    await rx.script([{ status: 302, headers: { location: "http://169.254.169.254/latest/meta-data" } }, { hang: true }, { endless: true }]);
    const req = await buildSignedRequest({ url: rx.url(), webhookId: "dlv_2", body: "{}", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] });
    const redirected = await sendHttp(req, 2000);
    expect(redirected.ok).toBe(false);
    expect(redirected.status).toBe(302);
    expect(redirected.error).toContain("169.254.169.254");
    const hung = await sendHttp(req, 500);
    expect(hung).toMatchObject({ ok: false, status: null, timedOut: true });
    const endless = await sendHttp(req, 5000);
    expect(endless.ok).toBe(true);
    expect(endless.body!.length).toBe(4096);
    expect(await rx.requests()).toHaveLength(3);
  });
});
