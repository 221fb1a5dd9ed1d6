import { describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import { call } from "../helpers/api";

// /openapi.json is generated from the zod schemas that validate requests. Every route the app
// serves must be in it (a route added without createRoute would be missing), and /docs renders it.

const UNDOCUMENTED = new Set(["GET /openapi.json", "GET /docs"]);

/** Every (method, path) the app answers, in OpenAPI's path syntax, read from the router itself. */
function servedRoutes(): string[] {
  const out = new Set<string>();
  for (const r of buildApp().routes) {
    if (r.method === "ALL") continue; // middleware
    const key = `${r.method} ${r.path.replace(/:([A-Za-z_]+)/g, "{$1}")}`;
    if (!UNDOCUMENTED.has(key)) out.add(key);
  }
  return [...out].sort();
}

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(res.body.openapi).toBe("3.1.0");
    expect(res.body.info).toMatchObject({ title: "hookrouter", version: expect.any(String) });
    expect(res.body.components.securitySchemes).toMatchObject({ bearer: { type: "http", scheme: "bearer" }, admin: { type: "http", scheme: "bearer" } });
    expect(res.body.components.schemas.Error).toBeDefined();
  });

  it("documents every route the app serves, with the right method", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    const documented = new Set<string>();
    for (const [path, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const served = servedRoutes();
    // the foundation's routes are certainly among them
    for (const r of [
      "GET /health",
      "POST /v1/accounts",
      "GET /v1/accounts/{id}",
      "POST /v1/accounts/{id}/keys",
      "GET /v1/accounts/{id}/keys",
      "DELETE /v1/accounts/{id}/keys/{key_id}",
      "PUT /v1/event-types/{name}",
      "GET /v1/event-types",
      "DELETE /v1/event-types/{name}",
      "POST /v1/hooks",
      "GET /v1/hooks",
      "GET /v1/hooks/name-available",
      "GET /v1/hooks/active",
      "GET /v1/hooks/{id}",
      "PATCH /v1/hooks/{id}",
      "DELETE /v1/hooks/{id}",
      "POST /v1/hooks/{id}/enable",
      "POST /v1/hooks/{id}/disable",
      "GET /v1/hooks/{id}/secret",
    ]) {
      expect(served).toContain(r);
    }
    expect(served.filter((r) => !documented.has(r))).toEqual([]);
  });

  it("describes each operation's parameters, body, answers and auth", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.summary, where).toBeTruthy();
        // A success answer: 2xx, or 101 for the WebSocket upgrade of a tunnel's CLI.
        expect(Object.keys(op.responses).some((s) => s.startsWith("2") || s === "101"), where).toBe(true);
        // every {param} of the path is declared
        for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
          expect(op.parameters?.some((p: any) => p.in === "path" && p.name === name), `${where} declares ${name}`).toBe(true);
        }
        if (path.startsWith("/v1/")) {
          const errors = Object.keys(op.responses).filter((s) => /^[45]/.test(s));
          expect(errors.length, `${where} documents its errors`).toBeGreaterThan(0);
        }
      }
    }
    const create = doc.paths["/v1/hooks"].post;
    // The scope the route requires, in its security requirement, its extension and its description (src/http/route.ts).
    expect(create.security).toEqual([{ bearer: ["hooks:write"] }]);
    expect(create["x-required-scope"]).toBe("hooks:write");
    expect(create.description).toContain("`hooks:write`");
    expect(create.responses["403"]).toBeDefined();
    expect(create.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/HookCreate" });
    expect(Object.keys(create.responses).sort()).toEqual(expect.arrayContaining(["201", "400", "401", "409", "413", "415", "422"]));
    expect(doc.paths["/v1/accounts"].post.security).toEqual([{ admin: [] }]);
    const listParams = doc.paths["/v1/hooks"].get.parameters.map((p: any) => p.name).sort();
    expect(listParams).toEqual(
      expect.arrayContaining(["application", "created_after", "created_before", "cursor", "enabled", "event", "kind", "limit", "phase", "state"]),
    );
  });

  it("carries the schemas' rules: enums, patterns, limits", async () => {
    const schemas = (await call("GET", "/openapi.json")).body.components.schemas;
    const create = schemas.HookCreate;
    expect(create.required).toEqual(["name"]);
    expect(create.additionalProperties).toBe(false);
    expect(create.properties.kind.enum).toEqual(["webhook", "slack"]);
    expect(create.properties.phase.enum).toEqual(["post", "pre"]);
    // an event name or pattern, or MLflow's {entity, action}
    expect(create.properties.events.items.anyOf[0].pattern).toBeTruthy();
    expect(create.properties.events.items.anyOf[1].required).toEqual(["entity", "action"]);
    expect(create.properties.name.maxLength).toBe(100);
    expect(schemas.Hook.properties.state.enum).toEqual(["new", "valid", "invalid", "deactivated"]);
  });
});

describe("GET /docs", () => {
  it("renders a Swagger UI page pointing at /openapi.json", async () => {
    const res = await call("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.body).toContain("SwaggerUIBundle");
    expect(res.body).toContain("/openapi.json");
  });
});

describe("GET /health", () => {
  it("answers ok with a D1 round trip, without auth", async () => {
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, d1: true });
  });
});
