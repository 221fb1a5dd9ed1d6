import { lookup, parsePath, type PathSegment } from "./json-path";

// Payload transformations: a hook may reshape the body its receiver gets with a JSON template over
// the event. Our own small declarative language rather than an expression library (the reasons are
// in docs/transforms.md): a template is any JSON value, copied as it is, except its strings, where
// `{{ path | filter: arg | … }}` is replaced by what the path finds in the event:
//
//   {"entity": "{{ type | before_last: \".\" }}", "action": "{{ type | after_last: \".\" }}", "data": "{{ data }}"}
//
// - A string that is one expression and nothing else takes the value itself, whatever its JSON type
//   (`"{{ data }}"` copies the payload object; a missing value gives null).
// - Anywhere else an expression is text: strings as they are, null and missing as "", numbers and
//   booleans as JSON, objects and arrays as JSON text.
// - Object keys are literal. Paths start at the envelope: id, type, timestamp, data, applications,
//   work_id (the same paths as content filters, ./json-path.ts).
//
// Pure, bounded and total: validation points at the bad string; applying never throws, its work is
// bounded by the template's validated size and the output's cap, and a failure (a `required` value
// missing, an output over the cap) is an answer saying why, which the delivery records as a
// `transform_failed` attempt.

export const MAX_TEMPLATE_BYTES = 16 * 1024;
export const MAX_TEMPLATE_DEPTH = 16;
export const MAX_TEMPLATE_EXPRESSIONS = 256;
export const MAX_FILTERS_PER_EXPRESSION = 8;
/** The transformed body, UTF-8 bytes: the same cap as a published payload. */
export const MAX_TRANSFORM_OUTPUT_BYTES = 256 * 1024;
/** Characters string filters may process in one application (upper, trim, truncate, join, …). */
const STRING_WORK_BUDGET = 4 * 1024 * 1024;

export const TEMPLATE_FILTERS = [
  "default",
  "required",
  "upper",
  "lower",
  "trim",
  "before",
  "after",
  "before_last",
  "after_last",
  "truncate",
  "join",
  "json",
  "string",
  "number",
  "length",
] as const;
type FilterName = (typeof TEMPLATE_FILTERS)[number];
/** Filters that take an argument, and of which kind; the others take none. */
const FILTER_ARGS: Partial<Record<FilterName, "any" | "string" | "count">> = {
  default: "any",
  before: "string",
  after: "string",
  before_last: "string",
  after_last: "string",
  truncate: "count",
  join: "string",
};

export interface Transform {
  /** The body template. */
  body: unknown;
}

/** What a template reads: the event as the envelope shows it. */
export interface TransformRoot {
  id: string;
  type: string;
  timestamp: string;
  data: unknown;
  applications: string[];
  work_id: string | null;
}

export interface TransformIssue {
  path: Array<string | number>;
  message: string;
}

export type TransformResult = { ok: true; body: string } | { ok: false; error: string };

interface Expression {
  source: string;
  path: PathSegment[];
  filters: Array<{ name: FilterName; arg?: string | number | boolean | null }>;
}

/** A template string: text and expressions, in order. `whole`: one expression and nothing else. */
interface CompiledString {
  parts: Array<string | Expression>;
  whole: boolean;
}

type Compiled = { ok: true; value: CompiledString } | { ok: false; error: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses `{{ … }}` expressions out of a template string; never throws. */
export function compileString(s: string): Compiled {
  const parts: Array<string | Expression> = [];
  let i = 0;
  while (i < s.length) {
    const open = s.indexOf("{{", i);
    if (open < 0) {
      parts.push(s.slice(i));
      break;
    }
    if (open > i) parts.push(s.slice(i, open));
    const close = s.indexOf("}}", open + 2);
    if (close < 0) return { ok: false, error: `unclosed {{ at character ${open + 1}` };
    const parsed = parseExpression(s.slice(open + 2, close));
    if (!parsed.ok) return { ok: false, error: `in {{${s.slice(open + 2, close)}}}: ${parsed.error}` };
    parts.push(parsed.value);
    i = close + 2;
  }
  return { ok: true, value: { parts, whole: parts.length === 1 && typeof parts[0] !== "string" } };
}

const compiledCache = new Map<string, Compiled>();

function compileStringCached(s: string): Compiled {
  let hit = compiledCache.get(s);
  if (!hit) {
    hit = compileString(s);
    if (compiledCache.size > 2000) compiledCache.clear();
    compiledCache.set(s, hit);
  }
  return hit;
}

/** Splits on `|` outside JSON string literals. */
function splitPipes(source: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inString = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (inString) {
      cur += c;
      if (c === "\\" && i + 1 < source.length) cur += source[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      cur += c;
    } else if (c === "|") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function parseExpression(source: string): { ok: true; value: Expression } | { ok: false; error: string } {
  const [head, ...rest] = splitPipes(source).map((p) => p.trim());
  const path = parsePath(head ?? "");
  if (!path.ok) return { ok: false, error: path.error };
  if (rest.length > MAX_FILTERS_PER_EXPRESSION) return { ok: false, error: `at most ${MAX_FILTERS_PER_EXPRESSION} filters in one expression` };
  const filters: Expression["filters"] = [];
  for (const f of rest) {
    const m = /^([a-z_]+)\s*(?::\s*([\s\S]*))?$/.exec(f);
    if (!m) return { ok: false, error: `"${f}" is not a filter (name, or name: argument)` };
    const name = m[1] as FilterName;
    if (!(TEMPLATE_FILTERS as readonly string[]).includes(name)) return { ok: false, error: `unknown filter "${m[1]}"; one of ${TEMPLATE_FILTERS.join(", ")}` };
    const kind = FILTER_ARGS[name];
    if (m[2] === undefined) {
      if (kind) return { ok: false, error: `the ${name} filter takes an argument (${name}: …)` };
      filters.push({ name });
      continue;
    }
    if (!kind) return { ok: false, error: `the ${name} filter takes no argument` };
    let arg: unknown;
    try {
      arg = JSON.parse(m[2]);
    } catch {
      return { ok: false, error: `the argument of ${name} is a JSON literal: "text", 3, true or null` };
    }
    if (kind === "string" && typeof arg !== "string") return { ok: false, error: `the argument of ${name} is a string in double quotes` };
    if (kind === "count" && !(typeof arg === "number" && Number.isInteger(arg) && arg >= 0 && arg <= MAX_TRANSFORM_OUTPUT_BYTES)) {
      return { ok: false, error: `the argument of ${name} is a whole number from 0 to ${MAX_TRANSFORM_OUTPUT_BYTES}` };
    }
    if (kind === "any" && !(arg === null || ["string", "number", "boolean"].includes(typeof arg))) {
      return { ok: false, error: `the argument of ${name} is a string, number, boolean or null` };
    }
    filters.push({ name, arg: arg as string | number | boolean | null });
  }
  return { ok: true, value: { source, path: path.segments, filters } };
}

/** Every problem of a transformation, each with where it is; empty when it is valid. Never throws. */
export function validateTransform(transform: unknown): TransformIssue[] {
  if (!isRecord(transform)) return [{ path: [], message: 'a transform is an object: {"body": <template>}' }];
  const extra = Object.keys(transform).filter((k) => k !== "body");
  if (extra.length > 0) return [{ path: [extra[0]!], message: 'unknown field; a transform has "body" only' }];
  if (!Object.hasOwn(transform, "body")) return [{ path: ["body"], message: "required: the template of the body" }];
  let text: string | undefined;
  try {
    text = JSON.stringify(transform.body);
  } catch {
    return [{ path: ["body"], message: "a template is JSON" }];
  }
  if (text === undefined) return [{ path: ["body"], message: "a template is JSON" }];
  if (text.length > MAX_TEMPLATE_BYTES) return [{ path: ["body"], message: `a template has at most ${MAX_TEMPLATE_BYTES} bytes of JSON` }];
  const issues: TransformIssue[] = [];
  let expressions = 0;
  const walk = (v: unknown, at: Array<string | number>, depth: number): void => {
    if (issues.length >= 20) return;
    if (depth > MAX_TEMPLATE_DEPTH) return void issues.push({ path: at, message: `templates nest at most ${MAX_TEMPLATE_DEPTH} deep` });
    if (typeof v === "string") {
      const c = compileString(v);
      if (!c.ok) return void issues.push({ path: at, message: c.error });
      expressions += c.value.parts.filter((p) => typeof p !== "string").length;
      if (expressions > MAX_TEMPLATE_EXPRESSIONS) issues.push({ path: at, message: `a template has at most ${MAX_TEMPLATE_EXPRESSIONS} {{…}} expressions` });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i], depth + 1));
    else if (isRecord(v)) for (const [k, x] of Object.entries(v)) walk(x, [...at, k], depth + 1);
  };
  walk(transform.body, ["body"], 1);
  return issues;
}

class TransformError extends Error {}

/** Applies a transformation to an event: the body to send, or why there is none. Never throws. */
export function applyTransform(transform: unknown, root: TransformRoot): TransformResult {
  try {
    if (!isRecord(transform) || !Object.hasOwn(transform, "body")) throw new TransformError("the transform has no body template");
    const run = new Run(root);
    const value = run.render(transform.body, 1);
    let body: string | undefined;
    try {
      body = JSON.stringify(value);
    } catch {
      throw new TransformError("the output cannot be written as JSON (nested too deep)");
    }
    if (body === undefined) body = "null";
    if (body.length > MAX_TRANSFORM_OUTPUT_BYTES || new TextEncoder().encode(body).byteLength > MAX_TRANSFORM_OUTPUT_BYTES) {
      throw new TransformError(`the output is over ${MAX_TRANSFORM_OUTPUT_BYTES} bytes`);
    }
    return { ok: true, body };
  } catch (err) {
    if (err instanceof TransformError) return { ok: false, error: err.message };
    // Nothing above is expected to throw; should anything (a stack overflow on a hostile template
    // that was never validated), it is a failed transformation, not a crash.
    return { ok: false, error: `the transformation failed (${err instanceof Error ? err.name : "error"})` };
  }
}

/** One application: its output-size and work accounting. */
class Run {
  /** A lower bound of the output's JSON size so far (characters). */
  private size = 0;
  private work = 0;
  private expressions = 0;
  constructor(private readonly root: TransformRoot) {}

  private grow(n: number): void {
    this.size += n;
    if (this.size > MAX_TRANSFORM_OUTPUT_BYTES) throw new TransformError(`the output is over ${MAX_TRANSFORM_OUTPUT_BYTES} bytes`);
  }

  private spend(chars: number): void {
    this.work += chars;
    if (this.work > STRING_WORK_BUDGET) throw new TransformError("the transformation does too much work (string filters over too much text)");
  }

  render(v: unknown, depth: number): unknown {
    if (depth > MAX_TEMPLATE_DEPTH) throw new TransformError(`the template nests deeper than ${MAX_TEMPLATE_DEPTH}`);
    if (typeof v === "string") return this.renderString(v);
    if (Array.isArray(v)) {
      this.grow(2);
      return v.map((x) => {
        this.grow(1);
        return this.render(x, depth + 1);
      });
    }
    if (isRecord(v)) {
      this.grow(2);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        this.grow(k.length + 4);
        // defineProperty: a key named __proto__ is an ordinary key of the output, as in JSON.
        Object.defineProperty(out, k, { value: this.render(x, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    this.grow(v === null || v === undefined ? 4 : String(v).length);
    return v === undefined ? null : v;
  }

  private renderString(s: string): unknown {
    if (!s.includes("{{")) {
      this.grow(s.length + 2);
      return s;
    }
    const c = compileStringCached(s);
    if (!c.ok) throw new TransformError(c.error);
    if (c.value.whole) {
      const value = this.evaluate(c.value.parts[0] as Expression);
      this.grow(approximateSize(value, MAX_TRANSFORM_OUTPUT_BYTES - this.size + 1));
      return value;
    }
    let out = "";
    for (const part of c.value.parts) {
      out += typeof part === "string" ? part : asText(this.evaluate(part));
      if (out.length > MAX_TRANSFORM_OUTPUT_BYTES) throw new TransformError(`the output is over ${MAX_TRANSFORM_OUTPUT_BYTES} bytes`);
    }
    this.grow(out.length + 2);
    return out;
  }

  private evaluate(e: Expression): unknown {
    if (++this.expressions > MAX_TEMPLATE_EXPRESSIONS * 4) throw new TransformError("the template has too many expressions");
    const found = lookup(this.root, e.path);
    let v: unknown = found.found ? found.value : undefined;
    for (const f of e.filters) v = this.filter(f.name, f.arg, v, e);
    return v === undefined ? null : v;
  }

  private filter(name: FilterName, arg: unknown, v: unknown, e: Expression): unknown {
    const str = (fn: (s: string) => unknown) => {
      if (typeof v !== "string") return v;
      this.spend(v.length);
      return fn(v);
    };
    switch (name) {
      case "default":
        return v === undefined || v === null ? arg : v;
      case "required":
        if (v === undefined || v === null) throw new TransformError(`{{${e.source.trim()}}}: the event has no value there`);
        return v;
      case "upper":
        return str((s) => s.toUpperCase());
      case "lower":
        return str((s) => s.toLowerCase());
      case "trim":
        return str((s) => s.trim());
      case "before":
        return str((s) => (s.includes(arg as string) ? s.slice(0, s.indexOf(arg as string)) : s));
      case "after":
        return str((s) => (s.includes(arg as string) ? s.slice(s.indexOf(arg as string) + (arg as string).length) : ""));
      case "before_last":
        return str((s) => (s.includes(arg as string) ? s.slice(0, s.lastIndexOf(arg as string)) : s));
      case "after_last":
        return str((s) => (s.includes(arg as string) ? s.slice(s.lastIndexOf(arg as string) + (arg as string).length) : ""));
      case "truncate":
        return str((s) => (typeof arg === "number" && s.length > arg ? s.slice(0, arg) : s));
      case "join": {
        if (!Array.isArray(v)) return v;
        let out = "";
        for (let i = 0; i < v.length; i++) {
          const piece = (i > 0 ? String(arg) : "") + asText(v[i]);
          this.spend(piece.length);
          out += piece;
        }
        return out;
      }
      case "json":
      case "string": {
        if (name === "string" && typeof v === "string") return v;
        if (v === undefined) return name === "json" ? "null" : "";
        const size = approximateSize(v, MAX_TRANSFORM_OUTPUT_BYTES + 1);
        if (size > MAX_TRANSFORM_OUTPUT_BYTES) throw new TransformError(`the output is over ${MAX_TRANSFORM_OUTPUT_BYTES} bytes`);
        this.spend(size);
        return name === "json" ? JSON.stringify(v) : asText(v);
      }
      case "number": {
        if (typeof v === "number") return v;
        if (typeof v !== "string" || v.trim() === "" || v.length > 64) return null;
        const n = Number(v);
        return Number.isFinite(n) ? n : null;
      }
      case "length":
        if (typeof v === "string" || Array.isArray(v)) return v.length;
        return isRecord(v) ? Object.keys(v).length : null;
    }
  }
}

/** A value as interpolated text: strings as they are, nothing as "", the rest as JSON. */
function asText(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  try {
    return JSON.stringify(v) ?? "";
  } catch {
    throw new TransformError("a value cannot be written as JSON (nested too deep)");
  }
}

/**
 * A lower bound of a value's JSON size, walked without recursion and given up past `limit` (so a
 * value inserted many times costs at most the output cap in all, never the value's size each time).
 */
export function approximateSize(value: unknown, limit: number): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && size <= limit) {
    const v = stack.pop();
    if (typeof v === "string") size += v.length + 2;
    else if (typeof v === "number" || typeof v === "boolean") size += String(v).length;
    else if (v === null || v === undefined) size += 4;
    else if (Array.isArray(v)) {
      size += 2 + v.length;
      for (let i = 0; i < v.length && size <= limit; i++) stack.push(v[i]);
    } else if (typeof v === "object") {
      size += 2;
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        size += k.length + 4;
        stack.push((v as Record<string, unknown>)[k]);
        if (size > limit) break;
      }
    }
  }
  return size;
}

/** The root a template reads for an event. `data` is the payload, parsed. */
export function transformRoot(event: { id: string; type: string; createdAt: string; data: unknown; applications: string[] | null; workId: string | null }): TransformRoot {
  return { id: event.id, type: event.type, timestamp: event.createdAt, data: event.data, applications: event.applications ?? [], work_id: event.workId };
}
