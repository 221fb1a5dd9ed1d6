import fc from "fast-check";

// fast-check arbitraries derived from the JSON Schemas of /openapi.json, which @hono/zod-openapi
// generates from the zod schemas that validate requests: the same single source of truth, reached
// through a format that covers every route without knowing it. `valid` aims at values the schema
// accepts (refinements the JSON Schema cannot express may still refuse some); `invalid` aims at
// values it refuses: wrong types, out-of-range sizes, missing or extra fields, hostile strings.

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
};

/**
 * Values for fields whose meaning matters more than their JSON type: a `url` must never make the
 * fuzzer reach a real host, and `*_id` fields are worth aiming at real ids (the victim's, the
 * attacker's own). The caller decides what these give.
 */
export interface FieldHints {
  url: fc.Arbitrary<string>;
  id: fc.Arbitrary<string>;
  /** Names that exist (cataloged event types): offered wherever a pattern admits them. */
  names: string[];
  /** Fields whose rules JSON Schema cannot say (a zod refinement, a server-issued token), by name. */
  fields: Record<string, fc.Arbitrary<unknown>>;
}

const ABSENT = Symbol("absent");

/** Keys of a string map without `propertyNames`: header-like, and clear of the reserved ones. */
const mapKey = fc.stringMatching(/^x-[a-z0-9-]{1,20}$/);

export class SchemaArbitraries {
  constructor(
    private readonly components: Record<string, JsonSchema>,
    private readonly hints: FieldHints,
  ) {}

  resolve(schema: JsonSchema): JsonSchema {
    let s = schema;
    for (let i = 0; s.$ref && i < 10; i++) s = this.components[s.$ref.replace("#/components/schemas/", "")] ?? {};
    return s;
  }

  /** Values the schema accepts (as far as JSON Schema can say). */
  valid(schema: JsonSchema, field = "", depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    if (field === "url" || s.format === "uri") return this.hints.url;
    const special = this.hints.fields[field];
    if (special && !s.enum) return fc.oneof({ weight: 4, arbitrary: special }, { weight: 1, arbitrary: this.valid({ ...s }, "", depth) });
    if (/(^|_)id$/.test(field) && typesOf(s).includes("string") && !s.pattern) return fc.oneof(this.hints.id, this.string(s));
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    const alternatives = s.anyOf ?? s.oneOf;
    if (alternatives) return fc.oneof(...alternatives.map((a) => this.valid(a, field, depth + 1)));
    if (s.allOf?.length) return this.valid(s.allOf[0]!, field, depth + 1);
    const types = typesOf(s);
    if (types.length === 0) return depth > 3 ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 });
    return fc.oneof(...types.map((t) => this.ofType(s, t, depth)));
  }

  private ofType(s: JsonSchema, type: string, depth: number): fc.Arbitrary<unknown> {
    switch (type) {
      case "null":
        return fc.constant(null);
      case "boolean":
        return fc.boolean();
      case "integer":
        return fc.integer({ min: lowerBound(s, 1, -1_000_000), max: upperBound(s, 1, 1_000_000) });
      case "number": {
        const min = lowerBound(s, Number.EPSILON, -1e6);
        const max = upperBound(s, Number.EPSILON, 1e6);
        return fc.oneof(fc.integer({ min: Math.ceil(min), max: Math.floor(max) }), fc.double({ min, max, noNaN: true, noDefaultInfinity: true }));
      }
      case "string":
        return this.string(s);
      case "array": {
        const maxLength = Math.min(s.maxItems ?? 4, Math.max(s.minItems ?? 0, 4));
        return fc.array(this.valid(s.items ?? {}, "", depth + 1), { minLength: s.minItems ?? 0, maxLength });
      }
      case "object":
        return this.object(s, depth);
      default:
        return fc.jsonValue({ maxDepth: 1 });
    }
  }

  private string(s: JsonSchema): fc.Arbitrary<string> {
    const minLength = s.minLength ?? 0;
    const maxLength = Math.min(s.maxLength ?? 40, Math.max(minLength, 40));
    if (s.format === "date-time") {
      return fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString());
    }
    if (s.pattern) {
      const re = new RegExp(s.pattern);
      const generated = fc.stringMatching(re).filter((v) => v.length >= minLength && v.length <= (s.maxLength ?? Infinity) && v.trim().length > 0);
      const known = this.hints.names.filter((n) => re.test(n));
      return known.length ? fc.oneof(fc.constantFrom(...known), generated) : generated;
    }
    return fc
      .oneof({ weight: 4, arbitrary: fc.string({ minLength, maxLength }) }, { weight: 1, arbitrary: fc.string({ minLength, maxLength, unit: "grapheme" }) })
      .filter((v) => minLength === 0 || v.trim().length >= minLength);
  }

  private object(s: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const props = s.properties ?? {};
    const required = new Set(s.required ?? []);
    // An optional field is left out two times in three: rules across fields ("url only for kind
    // webhook") refuse fewer requests when fewer fields are set, so more reach the handler. A `url`
    // is the exception (kept two times in three): most things that take one need one.
    const known = fc
      .record(
        Object.fromEntries(
          Object.entries(props).map(([k, v]) => {
            const value = this.valid(v, k, depth + 1);
            const keep = k === "url" ? 2 : 1;
            return [k, required.has(k) ? value : fc.oneof({ weight: 3 - keep, arbitrary: fc.constant(ABSENT) }, { weight: keep, arbitrary: value })];
          }),
        ),
      )
      .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== ABSENT)));
    if (typeof s.additionalProperties !== "object" || depth > 3) return known;
    const keys = s.propertyNames ? this.string(this.resolve(s.propertyNames)) : mapKey;
    const extra = fc.dictionary(keys, this.valid(s.additionalProperties, "", depth + 1), { maxKeys: 4 });
    return fc.tuple(known, extra).map(([a, b]) => ({ ...b, ...a }));
  }

  /** Values the schema should refuse, or that probe its edges; some may still be accepted. */
  invalid(schema: JsonSchema, field = "", depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const generic = fc.oneof(wrongType(s), hostileString, hostileNumber, fc.constant(null));
    const edges: Array<fc.Arbitrary<unknown>> = [generic];
    const types = typesOf(s);
    if (types.includes("string")) edges.push(...this.stringEdges(s));
    if (types.includes("integer") || types.includes("number")) edges.push(...numberEdges(s));
    if (types.includes("array") && depth < 3) {
      const item = s.items ?? {};
      edges.push(
        fc.array(this.valid(item, "", depth + 1), { minLength: (s.maxItems ?? 100) + 1, maxLength: (s.maxItems ?? 100) + 1 }),
        fc.array(this.invalid(item, "", depth + 1), { minLength: 1, maxLength: 3 }),
      );
    }
    if ((types.includes("object") || s.properties) && depth < 3) edges.push(...this.objectEdges(s, depth));
    if (field === "url") edges.push(hostileUrl);
    return fc.oneof(...edges);
  }

  private stringEdges(s: JsonSchema): Array<fc.Arbitrary<unknown>> {
    const out: Array<fc.Arbitrary<unknown>> = [fc.string({ unit: "binary", maxLength: 30 }), fc.constant("")];
    if (s.maxLength !== undefined) out.push(fc.constant("x".repeat(s.maxLength + 1)), fc.constant("\u00e9".repeat(s.maxLength)));
    if (s.pattern) out.push(fc.string({ maxLength: 20 }).filter((v) => !new RegExp(s.pattern!).test(v)));
    return out;
  }

  private objectEdges(s: JsonSchema, depth: number): Array<fc.Arbitrary<unknown>> {
    const props = Object.entries(s.properties ?? {});
    const base = this.object(s, depth);
    const out: Array<fc.Arbitrary<unknown>> = [
      // An unknown field (strict objects refuse it), or a prototype-polluting one.
      fc.tuple(base, fc.constantFrom("unknown_field", "__proto__", "constructor", "toString"), fc.jsonValue({ maxDepth: 1 })).map(([o, k, v]) => {
        const copy: Record<string, unknown> = JSON.parse(JSON.stringify(o));
        Object.defineProperty(copy, k, { value: v, enumerable: true, configurable: true, writable: true });
        return copy;
      }),
    ];
    const required = s.required ?? [];
    if (required.length > 0) {
      out.push(fc.tuple(base, fc.constantFrom(...required)).map(([o, k]) => Object.fromEntries(Object.entries(o).filter(([key]) => key !== k))));
    }
    if (props.length > 0) {
      // One field made invalid, the rest valid: the refusal must name that field.
      out.push(
        fc
          .constantFrom(...props)
          .chain(([k, v]) => fc.tuple(base, fc.constant(k), this.invalid(v, k, depth + 1)))
          .map(([o, k, bad]) => ({ ...o, [k]: bad })),
      );
    }
    return out;
  }
}

function typesOf(s: JsonSchema): string[] {
  if (Array.isArray(s.type)) return s.type;
  if (s.type) return [s.type];
  if (s.properties) return ["object"];
  return [];
}

function lowerBound(s: JsonSchema, step: number, fallback: number): number {
  if (s.exclusiveMinimum !== undefined) return s.exclusiveMinimum + step;
  return s.minimum ?? fallback;
}

function upperBound(s: JsonSchema, step: number, fallback: number): number {
  if (s.exclusiveMaximum !== undefined) return s.exclusiveMaximum - step;
  return s.maximum ?? fallback;
}

function numberEdges(s: JsonSchema): Array<fc.Arbitrary<unknown>> {
  const out: Array<fc.Arbitrary<unknown>> = [fc.constantFrom(1.5, -1, 0, 1e21, -1e21, Number.MAX_SAFE_INTEGER + 2, 5e-324)];
  if (s.minimum !== undefined) out.push(fc.constant(s.minimum - 1));
  if (s.maximum !== undefined) out.push(fc.constant(s.maximum + 1));
  if (s.exclusiveMinimum !== undefined) out.push(fc.constant(s.exclusiveMinimum));
  return out;
}

function wrongType(s: JsonSchema): fc.Arbitrary<unknown> {
  const types = new Set(typesOf(s));
  const all: Array<[string, fc.Arbitrary<unknown>]> = [
    ["string", fc.string({ maxLength: 10 })],
    ["integer", fc.integer()],
    ["boolean", fc.boolean()],
    ["array", fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 })],
    ["object", fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })],
  ];
  const wrong = all.filter(([t]) => !types.has(t) && !(t === "integer" && types.has("number")));
  return fc.oneof(...(wrong.length ? wrong : all).map(([, a]) => a));
}

/** Strings that break naive code: control and bidi characters, lone surrogates, SQL, templates, huge. */
export const hostileString: fc.Arbitrary<string> = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "a\r\nInjected-Header: x",
  "\ud800",
  "\udfff\ud800",
  "\u202e\u2066evil",
  "'; drop table hooks; --",
  "\" or 1=1 --",
  "%00%0d%0a",
  "${7*7}{{7*7}}",
  "../../etc/passwd",
  "*",
  "**.*",
  "[]{}()",
  "x".repeat(5000),
  "\u{1F4A9}".repeat(300),
);

const hostileNumber: fc.Arbitrary<unknown> = fc.constantFrom(-0, 1e308, -1e308, 0.1 + 0.2, 2 ** 53, "12", "NaN", "Infinity", true);

/** URLs the outbound guard must refuse, and ones that only look harmless. */
const hostileUrl: fc.Arbitrary<string> = fc.constantFrom(
  "http://127.0.0.1/hook",
  "http://localhost:8787/v1/hooks",
  "http://[::1]/",
  "http://[::ffff:127.0.0.1]/",
  "http://169.254.169.254/latest/meta-data/",
  "http://0x7f.1/",
  "http://2130706433/",
  "http://10.0.0.1/",
  "http://100.64.0.1/",
  "https://user:pass@hooks.invalid/",
  "ftp://hooks.invalid/",
  "javascript:alert(1)",
  "file:///etc/passwd",
  "https://",
  "not a url",
  "https://hooks.invalid/" + "a".repeat(2100),
);
