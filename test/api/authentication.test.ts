import { beforeAll, describe, expect, it } from "vitest";
import { CALLBACK_PATH } from "../../src/domain/slack-oauth-state";
import { portalTarget } from "../../src/domain/portal-access";
import type { Env } from "../../src/env";
import { API_SCOPES } from "../../src/domain/api-scopes";
import { ADMIN_TOKEN, call, expectErrorShape, newAccount } from "../helpers/api";

// Every route of the OpenAPI document, walked: each declares its credential (src/http/route.ts) and
// refuses a request with none, with a wrong one and with a foreign one (a valid credential of another
// kind) with 401 and a Bearer challenge. The routes anyone may call are listed here, so a new one is
// a decision made in this file. The bench's entry point (bench/worker/, reached with a METRICS
// binding) is walked too: its admin routes are declared the same way.

/** The routes that take no credential, and why that is safe is said where each is declared. */
const PUBLIC_ROUTES = ["GET /health", "GET /portal", "GET /portal/{file}", `GET ${CALLBACK_PATH}`];

type Credential = "api_key" | "admin";

interface Operation {
  method: string;
  path: string;
  credential: Credential | "none";
  /** The scope an API-key route requires, from its security requirement. */
  scope?: string;
}

async function operations(bindings?: Partial<Env>): Promise<Operation[]> {
  const doc = await call("GET", "/openapi.json", { bindings });
  expect(doc.status).toBe(200);
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.body.paths as Record<string, Record<string, { security?: Array<Record<string, string[]>>; "x-required-scope"?: string }>>)) {
    for (const [method, op] of Object.entries(item)) {
      const route = `${method.toUpperCase()} ${path}`;
      expect(op.security, `${route} states no security requirement`).toBeDefined();
      const schemes = op.security!.flatMap((r) => Object.keys(r));
      expect(schemes.length, `${route}: one credential, or none`).toBeLessThanOrEqual(1);
      const credential = schemes[0] === "bearer" ? "api_key" : schemes[0] === "admin" ? "admin" : "none";
      if (schemes[0] !== undefined) expect(["bearer", "admin"], route).toContain(schemes[0]);
      // An API-key route names exactly one scope, the same in its requirement and its extension.
      const scopes = op.security!.flatMap((r) => r.bearer ?? []);
      if (credential === "api_key") {
        expect(scopes.length, `${route} names one scope`).toBe(1);
        expect(op["x-required-scope"], route).toBe(scopes[0]);
      }
      out.push({ method: method.toUpperCase(), path, credential, scope: scopes[0] });
    }
  }
  return out;
}

/** A concrete path for a documented one: every `{param}` filled with an id-shaped value. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, "x_0000000000000000000000000");

describe("every route declares its credential and refuses others", () => {
  let key: string;
  let portalToken: string;

  beforeAll(async () => {
    ({ key } = await newAccount("authentication"));
    const session = await call("POST", "/v1/portal-sessions", { token: key });
    expect(session.status).toBe(201);
    portalToken = session.body.token;
  });

  /** Credentials a route of this kind must refuse: none, wrong ones, and valid ones of another kind. */
  function refused(credential: Credential, method: string, path: string): Array<[string, Record<string, string>]> {
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const wrong: Array<[string, Record<string, string>]> = [
      ["no credential", {}],
      ["a Basic authorization", { authorization: `Basic ${btoa("a:b")}` }],
      ["a malformed bearer", bearer("not-a-key")],
      ["an unknown API key", bearer(`hrk_${"x".repeat(40)}`)],
      ["a forged portal token", bearer("hrp_forged.portal.token")],
      ["a wrong admin token", bearer(`${ADMIN_TOKEN.slice(0, -4)}XXXX`)],
    ];
    const foreign: Array<[string, Record<string, string>]> =
      credential === "admin"
        ? [
            ["a valid API key", bearer(key)],
            ["a valid portal token", bearer(portalToken)],
          ]
        : [["the admin token", bearer(ADMIN_TOKEN)]];
    // A portal session opens the portal's routes only (src/domain/portal-access.ts): on any other it is foreign.
    if (credential === "api_key" && !portalTarget(method, path)) foreign.push(["a valid portal token", bearer(portalToken)]);
    return [...wrong, ...foreign];
  }

  async function checkAll(ops: Operation[], bindings?: Partial<Env>): Promise<number> {
    let checked = 0;
    for (const op of ops) {
      if (op.credential === "none") continue;
      const path = concrete(op.path);
      for (const [what, headers] of refused(op.credential, op.method, path)) {
        const res = await call(op.method, path, { headers, bindings });
        expectErrorShape(res, 401, "unauthorized");
        expect(res.headers.get("www-authenticate"), `${op.method} ${op.path} with ${what}`).toMatch(/^Bearer/);
        checked++;
      }
    }
    return checked;
  }

  it("the production Worker: only the listed routes are public, every other one refuses missing, wrong and foreign credentials", async () => {
    const ops = await operations();
    expect(ops.filter((o) => o.credential === "none").map((o) => `${o.method} ${o.path}`).sort()).toEqual([...PUBLIC_ROUTES].sort());
    expect(ops.filter((o) => o.credential === "api_key").length).toBeGreaterThan(20);
    expect(ops.filter((o) => o.credential === "admin").length).toBeGreaterThan(5);
    expect(await checkAll(ops)).toBeGreaterThan(200);
  });

  it("the bench's entry point: its own routes (the usage counters) are admin only", async () => {
    const bench = { METRICS: "false" };
    const production = new Set((await operations()).map((o) => `${o.method} ${o.path}`));
    const own = (await operations(bench)).filter((o) => !production.has(`${o.method} ${o.path}`));
    expect(own.map((o) => `${o.method} ${o.path}`)).toContain("GET /v1/admin/metrics");
    expect(own.every((o) => o.credential === "admin")).toBe(true);
    await checkAll(own, bench);
  });
});

describe("every API-key route requires its scope", () => {
  /** Per scope: a key holding every other scope, and a key holding only it. */
  const allBut = new Map<string, string>();
  const only = new Map<string, string>();

  beforeAll(async () => {
    const { accountId } = await newAccount("scopes");
    const mint = async (scopes: string[]) => {
      const res = await call("POST", `/v1/accounts/${accountId}/keys`, { token: ADMIN_TOKEN, body: { name: "scoped", scopes } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.scopes).toEqual(scopes);
      return res.body.key as string;
    };
    for (const scope of API_SCOPES) {
      allBut.set(scope, await mint(API_SCOPES.filter((s) => s !== scope)));
      only.set(scope, await mint([scope]));
    }
  });

  it("a key lacking the route's scope gets 403 naming it; a key holding only that scope is let through", async () => {
    const ops = (await operations()).filter((o) => o.credential === "api_key");
    expect(ops.length).toBeGreaterThan(40);
    for (const op of ops) {
      const route = `${op.method} ${op.path}`;
      expect(API_SCOPES, route).toContain(op.scope);
      const path = concrete(op.path);
      const refused = await call(op.method, path, { token: allBut.get(op.scope!)! });
      expectErrorShape(refused, 403, "insufficient_scope");
      expect(refused.body.error.message, route).toContain(op.scope);
      expect(refused.headers.get("www-authenticate"), route).toContain(`scope="${op.scope}"`);
      const allowed = await call(op.method, path, { token: only.get(op.scope!)! });
      expect([401, 403], `${route} with only ${op.scope}: ${JSON.stringify(allowed.body)}`).not.toContain(allowed.status);
    }
    // No scope is dead: each one opens some route.
    expect(new Set(ops.map((o) => o.scope))).toEqual(new Set(API_SCOPES));
  });
});
