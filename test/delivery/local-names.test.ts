import { describe, expect, it } from "vitest";
import { call, newAccount } from "../helpers/api";
import { Receiver } from "../helpers/receiver";

// The URL guard judges the URL text and resolves no name (SECURITY.md). `localhost` and `*.localhost`
// resolve to this machine, so they are refused by name: with ALLOW_PRIVATE_TARGETS off, a hook naming
// them cannot be used to read a loopback-only service back through the test endpoint's answer. This
// project lifts the guard (its receiver is on 127.0.0.1); the guarded calls turn it back on.

const GUARD_ON = { bindings: { ALLOW_PRIVATE_TARGETS: "false" } };

describe("host names that resolve to loopback", () => {
  it("a loopback service's answer never comes back through POST /v1/hooks/{id}/test while the guard is on", async () => {
    const { key } = await newAccount("loopback-names");
    const internal = new Receiver();
    const answer = `loopback-only-answer-${crypto.randomUUID()}`;
    await internal.script([], { status: 200, body: answer });
    const byName = internal.url("/admin").replace("//127.0.0.1:", "//localhost:");
    const created = await call("POST", "/v1/hooks", { token: key, body: { name: "loopback-by-name", url: byName } });
    expect(created.status).toBe(201);

    // The guard lifted: the name does reach the loopback service, and its answer is read back.
    const open = await call("POST", `/v1/hooks/${created.body.id}/test`, { token: key });
    expect(open.body).toMatchObject({ success: true, response_body: answer });

    // The guard on: refused before anything is sent, and nothing of the service's answer comes back.
    for (const url of [byName, byName.replace("//localhost:", "//internal.localhost:"), byName.replace("//localhost:", "//LocalHost.:")]) {
      const hook = await call("POST", "/v1/hooks", { token: key, body: { name: `guarded-${crypto.randomUUID()}`, url } });
      expect(hook.status).toBe(201);
      const guarded = await call("POST", `/v1/hooks/${hook.body.id}/test`, { token: key, ...GUARD_ON });
      expect(guarded.status).toBe(200);
      expect(JSON.stringify(guarded.body)).not.toContain(answer);
      expect(guarded.body).toMatchObject({ success: false, response_status: null, response_body: null });
      expect(guarded.body.error_message).toMatch(/^not sent: the outbound URL guard refused the hook's url \(host .*localhost is a local name\)$/);
      // Nor can such a hook be created or pointed there with the guard on.
      expect((await call("PATCH", `/v1/hooks/${hook.body.id}`, { token: key, body: { url }, ...GUARD_ON })).status).toBe(422);
    }
    expect(await internal.requests()).toHaveLength(1); // the one call made with the guard lifted
  });
});
