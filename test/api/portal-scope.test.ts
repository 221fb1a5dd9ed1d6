import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { seedDeliveries } from "../helpers/log";

// A portal session scoped to applications sees and changes only the hooks scoped to them (and none
// other), and only those hooks' deliveries and stats; everything else answers as if it did not exist.

describe("a portal session scoped to an application", () => {
  let key: string;
  let token: string;
  const hooks: Record<string, string> = {};
  const deliveries: Record<string, string> = {};

  beforeAll(async () => {
    const acc = await newAccount("scoped");
    key = acc.key;
    const shapes: Record<string, object> = {
      a: { applications: ["app-a"] },
      b: { applications: ["app-b"] },
      ab: { applications: ["app-a", "app-b"] },
      site: {},
      fallback: { fallback: true },
    };
    for (const [name, extra] of Object.entries(shapes)) {
      const res = await call("POST", "/v1/hooks", { token: key, body: { name, url: `https://example.com/${name}`, ...extra } });
      expect(res.status).toBe(201);
      hooks[name] = res.body.id;
    }
    const names = Object.keys(hooks);
    const ids = await seedDeliveries(
      acc.accountId,
      "job_run.failed",
      names.map((n) => ({ hookId: hooks[n]!, status: "dead" as const, createdAt: new Date().toISOString() })),
    );
    names.forEach((n, i) => (deliveries[n] = ids[i]!));
    const session = await call("POST", "/v1/portal-sessions", { token: key, body: { applications: ["app-a"] } });
    expect(session.status).toBe(201);
    expect(session.body.applications).toEqual(["app-a"]);
    token = session.body.token;
  });

  it("lists only that application's hooks, their deliveries and their stats", async () => {
    const list = await call("GET", "/v1/hooks", { token });
    expect(list.body.data.map((h: { name: string }) => h.name)).toEqual(["a"]);
    const all = await call("GET", "/v1/hooks", { token: key });
    expect(all.body.data).toHaveLength(5); // the key itself still sees everything

    const dl = await call("GET", "/v1/deliveries", { token });
    expect(dl.body.data.map((d: { id: string }) => d.id)).toEqual([deliveries.a]);
    const filtered = await call("GET", `/v1/deliveries?hook_id=${hooks.b}`, { token });
    expect(filtered.body.data).toEqual([]);

    const stats = await call("GET", "/v1/stats", { token });
    expect(stats.body.totals.total).toBe(1);
    expect(stats.body.hooks.map((h: { hook_id: string }) => h.hook_id)).toEqual([hooks.a]);
    expect((await call("GET", "/v1/stats", { token: key })).body.totals.total).toBe(5);
  });

  it("answers 404 for every other hook and its deliveries, on every portal route", async () => {
    for (const other of ["b", "ab", "site", "fallback"]) {
      const id = hooks[other]!;
      const attempts: Array<[string, string, unknown?]> = [
        ["GET", `/v1/hooks/${id}`],
        ["PATCH", `/v1/hooks/${id}`, { description: "mine now" }],
        ["POST", `/v1/hooks/${id}/disable`],
        ["POST", `/v1/hooks/${id}/test`, {}],
        ["GET", `/v1/hooks/${id}/secret`],
        ["POST", `/v1/hooks/${id}/secret/rotate`, {}],
        ["GET", `/v1/hooks/${id}/stats`],
        ["POST", `/v1/hooks/${id}/recover`, { since: "2020-01-01T00:00:00Z" }],
        ["DELETE", `/v1/hooks/${id}`],
        ["GET", `/v1/deliveries/${deliveries[other]}`],
        ["POST", `/v1/deliveries/${deliveries[other]}/retry`],
      ];
      for (const [method, path, body] of attempts) {
        const res = await call(method, path, { token, body });
        expectErrorShape(res, 404, "not_found");
      }
    }
    // nothing was changed or sent: the hooks are as they were
    const b = await call("GET", `/v1/hooks/${hooks.b}`, { token: key });
    expect(b.body).toMatchObject({ description: "", enabled: true });
    expect(b.body.last_test).toBeNull();
    // the hook in scope answers, under an encoded id too
    expect((await call("GET", `/v1/hooks/${hooks.a}`, { token })).status).toBe(200);
    expect((await call("GET", `/v1/hooks/${encodeURIComponent(hooks.b!).replace("_", "%5F")}`, { token })).status).toBe(404);
    expect((await call("GET", `/v1/deliveries/${deliveries.a}`, { token })).status).toBe(200);
  });

  it("creates and changes hooks only within the application", async () => {
    const outside = [{ applications: ["app-b"] }, { applications: ["app-a", "app-b"] }, {}, { fallback: true }];
    for (const extra of outside) {
      const res = await call("POST", "/v1/hooks", { token, body: { name: `x-${JSON.stringify(extra).length}`, url: "https://example.com/x", ...extra } });
      expect(res.status, JSON.stringify(extra)).toBe(422);
    }
    const made = await call("POST", "/v1/hooks", { token, body: { name: "a2", url: "https://example.com/a2", applications: ["app-a"] } });
    expect(made.status).toBe(201);
    expectErrorShape(await call("PATCH", `/v1/hooks/${hooks.a}`, { token, body: { applications: ["app-b"] } }), 422, "unprocessable");
    expectErrorShape(await call("PATCH", `/v1/hooks/${hooks.a}`, { token, body: { applications: null } }), 422, "unprocessable");
    const renamed = await call("PATCH", `/v1/hooks/${hooks.a}`, { token, body: { description: "still app-a" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.applications).toEqual(["app-a"]);
  });

  it("lists only the tunnels of that application's hooks", async () => {
    const made: Record<string, string> = {};
    for (const [name, url, extra] of [
      ["t-a", "tunnel://a-side", { applications: ["app-a"] }],
      ["t-b", "tunnel://b-side", { applications: ["app-b"] }],
      ["t-shared-a", "tunnel://shared", { applications: ["app-a"] }],
      ["t-shared-site", "tunnel://shared", {}],
    ] as const) {
      const res = await call("POST", "/v1/hooks", { token: key, body: { name, url, ...extra } });
      expect(res.status).toBe(201);
      made[name] = res.body.id;
    }
    const seen = (await call("GET", "/v1/tunnels", { token })).body.data;
    expect(seen.map((t: { name: string; hook_ids: string[] }) => [t.name, t.hook_ids])).toEqual([
      ["a-side", [made["t-a"]]],
      ["shared", [made["t-shared-a"]]],
    ]);
    expect((await call("GET", "/v1/tunnels", { token: key })).body.data.map((t: { name: string }) => t.name)).toEqual(["a-side", "b-side", "shared"]);
    // A portal token never opens a tunnel's socket, whatever its scope.
    expectErrorShape(await call("GET", "/v1/tunnels/a-side/connect", { token, headers: { upgrade: "websocket" } }), 401);
  });
});
