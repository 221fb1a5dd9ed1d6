import fc from "fast-check";
import { hostileString, type JsonSchema, type SchemaArbitraries } from "./schema-arbitrary";

// Every operation of /openapi.json, and a fast-check arbitrary of HTTP requests to it. Routes are
// enumerated from the document, so a route someone adds tomorrow is fuzzed without a line here.

export type AuthScheme = "bearer" | "admin" | "none";

interface Param {
  name: string;
  schema: JsonSchema;
  required: boolean;
}

export interface Operation {
  /** "POST /v1/hooks/{id}/test" */
  key: string;
  method: string;
  path: string;
  auth: AuthScheme;
  pathParams: Param[];
  query: Param[];
  headers: Param[];
  body?: { schema: JsonSchema; required: boolean };
  responses: number[];
}

interface OpenApiDoc {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface OpenApiOperation {
  security?: Array<Record<string, unknown>>;
  parameters?: Array<{ in: string; name: string; required?: boolean; schema?: JsonSchema }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, unknown>;
}

export function operationsOf(doc: OpenApiDoc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, byMethod] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(byMethod)) {
      const params = (where: string): Param[] =>
        (op.parameters ?? []).filter((p) => p.in === where).map((p) => ({ name: p.name, schema: p.schema ?? {}, required: !!p.required }));
      const scheme = Object.keys(op.security?.[0] ?? {})[0];
      const json = op.requestBody?.content["application/json"];
      ops.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        auth: scheme === "admin" ? "admin" : scheme === "bearer" ? "bearer" : "none",
        pathParams: params("path"),
        query: params("query"),
        headers: params("header"),
        body: json ? { schema: json.schema, required: !!op.requestBody!.required } : undefined,
        responses: Object.keys(op.responses).map(Number),
      });
    }
  }
  return ops;
}

/**
 * Who the request claims to be. `expected` is the operation's own scheme with the right credential;
 * `portal` is a portal session of the same key (allowed on some API-key routes only).
 */
export type Credential = "expected" | "portal" | "none" | "garbage" | "forged-prefix" | "revoked" | "wrong-scheme";

/** A path parameter: drawn at send time from a pool (ids that exist by then), or generated now. */
export type PathValue = { pool: "victim" | "own"; index: number } | { literal: string; raw?: boolean };

export interface FuzzRequest {
  mode: "valid" | "invalid";
  credential: Credential;
  path: Record<string, PathValue>;
  query: string;
  headers: Record<string, string>;
  body?: { raw: string; type?: string };
}

const JSON_TYPES = ["application/json", "application/json; charset=utf-8", "Application/JSON"];
const OTHER_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "application/json-patch+json"];

/** Raw bodies no JSON parser should accept, or that stress one. */
const malformedBody = fc.oneof(
  fc.constantFrom("", "{", "}", "null", "[]", '"str"', "1e999", "{\"a\":1,}", "{'a':1}", "\u0000", "\ufeff{}", "[".repeat(3000) + "]".repeat(3000)),
  fc.string({ maxLength: 50 }),
  fc.string({ unit: "binary", maxLength: 50 }),
  fc.constant(JSON.stringify({ pad: "x".repeat(330 * 1024) })),
);

const queryValue = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/** encodeURIComponent throws on a lone surrogate; a URL can only carry it as U+FFFD anyway. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
export const encode = (s: string): string => encodeURIComponent(s.replace(LONE_SURROGATE, "\ufffd"));

export function requestArbitrary(op: Operation, schemas: SchemaArbitraries): fc.Arbitrary<FuzzRequest> {
  const credential: fc.Arbitrary<Credential> =
    op.auth === "none"
      ? fc.constant("expected")
      : fc.oneof(
          { weight: 16, arbitrary: fc.constant<Credential>("expected") },
          { weight: op.auth === "bearer" ? 2 : 0, arbitrary: fc.constant<Credential>("portal") },
          { weight: 1, arbitrary: fc.constantFrom<Credential>("none", "garbage", "forged-prefix", "revoked", "wrong-scheme") },
        );
  return fc.constantFrom<"valid" | "invalid">("valid", "invalid").chain((mode) =>
    fc.record({
      mode: fc.constant(mode),
      credential,
      path: pathArbitrary(op, schemas, mode),
      query: queryArbitrary(op, schemas, mode),
      headers: headerArbitrary(op, schemas, mode),
      body: bodyArbitrary(op, schemas, mode),
    }),
  ) as fc.Arbitrary<FuzzRequest>;
}

function pathArbitrary(op: Operation, schemas: SchemaArbitraries, mode: "valid" | "invalid"): fc.Arbitrary<Record<string, PathValue>> {
  const one = (p: Param): fc.Arbitrary<PathValue> =>
    fc.oneof(
      { weight: 3, arbitrary: fc.record({ pool: fc.constant<"victim">("victim"), index: fc.nat() }) },
      { weight: 5, arbitrary: fc.record({ pool: fc.constant<"own">("own"), index: fc.nat() }) },
      { weight: 2, arbitrary: (mode === "valid" ? schemas.valid(p.schema, p.name) : schemas.invalid(p.schema, p.name)).map((v) => ({ literal: queryValue(v) })) },
      // Inserted into the URL as they are: traversal, NUL, an encoded slash, broken UTF-8, long.
      { weight: 1, arbitrary: fc.constantFrom("..", "%2e%2e", "%00", "a%2Fb", "%E0%A4%A", "%F0%9F%92%A9", "%20", "hook_%27", "x".repeat(300)).map((literal) => ({ literal, raw: true })) },
    );
  return fc.record(Object.fromEntries(op.pathParams.map((p) => [p.name, one(p)])));
}

function queryArbitrary(op: Operation, schemas: SchemaArbitraries, mode: "valid" | "invalid"): fc.Arbitrary<string> {
  const declared = op.query.map((p) => {
    const value = mode === "valid" ? schemas.valid(p.schema, p.name) : fc.oneof(schemas.valid(p.schema, p.name), schemas.invalid(p.schema, p.name));
    const entry = value.map((v) => `${encode(p.name)}=${encode(queryValue(v))}`);
    return p.required && mode === "valid" ? entry : fc.option(entry, { nil: "" });
  });
  const noise =
    mode === "valid"
      ? fc.constant([] as string[])
      : fc.array(
          fc.oneof(
            fc.constantFrom("limit=1&limit=2", "%zz=1", "a=%E0%A4%A", "cursor[]=x", "__proto__=1", "=", "&&&"),
            fc.tuple(fc.string({ maxLength: 10 }), hostileString).map(([k, v]) => `${encode(k)}=${encode(v)}`),
          ),
          { maxLength: 2 },
        );
  return fc.tuple(fc.tuple(...declared), noise).map(([a, b]) => [...a, ...b].filter(Boolean).join("&"));
}

function headerArbitrary(op: Operation, schemas: SchemaArbitraries, mode: "valid" | "invalid"): fc.Arbitrary<Record<string, string>> {
  const declared = op.headers.map((p) =>
    fc.option(
      (mode === "valid" ? schemas.valid(p.schema, p.name) : schemas.invalid(p.schema, p.name))
        .map(queryValue)
        .filter((v) => /^[\t\x20-\x7e\x80-\xff]*$/.test(v)) // what a Headers object can carry at all
        .map((v) => [p.name, v] as const),
      { nil: undefined },
    ),
  );
  const requestId = fc.option(fc.constantFrom("trace-1", "<bad id>", "a".repeat(300)), { nil: undefined }).map((v) => (v ? [["x-request-id", v] as const] : []));
  return fc.tuple(fc.tuple(...declared), requestId).map(([d, r]) => Object.fromEntries([...d.filter((x) => x !== undefined), ...r]));
}

function bodyArbitrary(op: Operation, schemas: SchemaArbitraries, mode: "valid" | "invalid"): fc.Arbitrary<{ raw: string; type?: string } | undefined> {
  const json = (v: unknown) => fc.constantFrom(...JSON_TYPES).map((type) => ({ raw: JSON.stringify(v) ?? "null", type }));
  if (!op.body) {
    return mode === "valid" ? fc.constant(undefined) : fc.option(fc.jsonValue({ maxDepth: 2 }).chain(json), { nil: undefined });
  }
  if (mode === "valid") {
    const body = schemas.valid(op.body.schema).chain(json);
    return op.body.required ? body : fc.option(body, { nil: undefined });
  }
  return fc.oneof(
    { weight: 6, arbitrary: schemas.invalid(op.body.schema).chain(json) },
    { weight: 2, arbitrary: malformedBody.map((raw) => ({ raw, type: "application/json" })) },
    { weight: 1, arbitrary: fc.tuple(schemas.valid(op.body.schema), fc.constantFrom(...OTHER_TYPES, undefined)).map(([v, type]) => ({ raw: JSON.stringify(v), type })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}
