import { lookup, parsePath, parsePathCached, type Lookup } from "./json-path";

// Content filters: a hook may take only the events whose content passes its filter, evaluated by
// the one matching function (./matching.ts `selectHooks`) with the hook's event and application
// rules. Pure, bounded and total: validation says what is wrong and where; evaluation never throws,
// whatever the filter or the event, and its cost is bounded by the filter's validated size.
//
// A filter is a comparison or a combination of filters:
//
//   {"path": "data.severity", "eq": 1}
//   {"and": [{"path": "data.env", "in": ["prod", "staging"]}, {"not": {"path": "data.dry_run", "eq": true}}]}
//
// Paths start at the event as a receiver sees it in the envelope: `type`, `data…` (the payload),
// `applications`, `work_id`.

export const COMPARISONS = ["eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "exists", "prefix", "contains"] as const;
export type ComparisonOp = (typeof COMPARISONS)[number];

export type Scalar = string | number | boolean | null;

export type Filter =
  | { and: Filter[] }
  | { or: Filter[] }
  | { not: Filter }
  | ({ path: string } & Partial<Record<ComparisonOp, unknown>>);

/** The event as filters see it (no id or timestamp yet when fan-out runs). */
export interface FilterRoot {
  type: string;
  data: unknown;
  applications: string[];
  work_id: string | null;
}

/** Nesting of and/or/not, counting the top. */
export const MAX_FILTER_DEPTH = 8;
/** Comparisons and combinations, all together. */
export const MAX_FILTER_NODES = 64;
/** Items of an `in`/`nin` list, or of an and/or. */
export const MAX_FILTER_LIST = 100;
export const MAX_FILTER_STRING = 1024;
/** The whole filter as JSON text. */
export const MAX_FILTER_BYTES = 16 * 1024;

export interface FilterIssue {
  /** Where in the filter, as path steps from its top (e.g. ["and", 1, "gt"]). */
  path: Array<string | number>;
  message: string;
}

const isScalar = (v: unknown): v is Scalar => v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every problem of a filter, each with where it is; empty when the filter is valid. Never throws. */
export function validateFilter(filter: unknown): FilterIssue[] {
  const issues: FilterIssue[] = [];
  let text: string | undefined;
  try {
    text = JSON.stringify(filter);
  } catch {
    return [{ path: [], message: "a filter is JSON" }];
  }
  if (text === undefined) return [{ path: [], message: "a filter is a JSON object" }];
  if (text.length > MAX_FILTER_BYTES) return [{ path: [], message: `a filter has at most ${MAX_FILTER_BYTES} bytes of JSON` }];
  let nodes = 0;
  const walk = (f: unknown, at: Array<string | number>, depth: number): void => {
    if (issues.length >= 20) return;
    if (++nodes > MAX_FILTER_NODES) {
      if (nodes === MAX_FILTER_NODES + 1) issues.push({ path: at, message: `a filter has at most ${MAX_FILTER_NODES} comparisons and combinations` });
      return;
    }
    if (depth > MAX_FILTER_DEPTH) {
      issues.push({ path: at, message: `filters nest at most ${MAX_FILTER_DEPTH} deep` });
      return;
    }
    if (!isRecord(f)) {
      issues.push({ path: at, message: 'expected an object: {"path": …, "<op>": …}, {"and": [...]}, {"or": [...]} or {"not": {...}}' });
      return;
    }
    const keys = Object.keys(f);
    for (const combinator of ["and", "or"] as const) {
      if (!Object.hasOwn(f, combinator)) continue;
      if (keys.length !== 1) return void issues.push({ path: at, message: `"${combinator}" stands alone in its object (found ${keys.join(", ")})` });
      const list = f[combinator];
      if (!Array.isArray(list) || list.length === 0) return void issues.push({ path: [...at, combinator], message: "expected a non-empty array of filters" });
      if (list.length > MAX_FILTER_LIST) return void issues.push({ path: [...at, combinator], message: `at most ${MAX_FILTER_LIST} filters` });
      list.forEach((g, i) => walk(g, [...at, combinator, i], depth + 1));
      return;
    }
    if (Object.hasOwn(f, "not")) {
      if (keys.length !== 1) return void issues.push({ path: at, message: `"not" stands alone in its object (found ${keys.join(", ")})` });
      return walk(f.not, [...at, "not"], depth + 1);
    }
    if (!Object.hasOwn(f, "path")) {
      issues.push({ path: at, message: `expected "path" with one of ${COMPARISONS.join(", ")}, or "and", "or", "not"` });
      return;
    }
    const p = typeof f.path === "string" ? parsePath(f.path) : { ok: false as const, error: "a path is a string such as data.severity" };
    if (!p.ok) issues.push({ path: [...at, "path"], message: p.error });
    const ops = keys.filter((k) => k !== "path");
    const unknown = ops.filter((k) => !(COMPARISONS as readonly string[]).includes(k));
    if (unknown.length > 0) return void issues.push({ path: [...at, unknown[0]!], message: `unknown operator; one of ${COMPARISONS.join(", ")}` });
    if (ops.length !== 1) return void issues.push({ path: at, message: `a comparison has exactly one operator (${COMPARISONS.join(", ")}), found ${ops.length}` });
    const op = ops[0] as ComparisonOp;
    const problem = operandProblem(op, f[op]);
    if (problem) issues.push({ path: [...at, op], message: problem });
  };
  walk(filter, [], 1);
  return issues;
}

function operandProblem(op: ComparisonOp, v: unknown): string | null {
  const longString = (s: unknown) => typeof s === "string" && s.length > MAX_FILTER_STRING;
  switch (op) {
    case "eq":
    case "neq":
    case "contains":
      if (!isScalar(v)) return "expected a string, number, boolean or null";
      return longString(v) ? `strings have at most ${MAX_FILTER_STRING} characters` : null;
    case "in":
    case "nin":
      if (!Array.isArray(v)) return "expected an array of strings, numbers, booleans or nulls";
      if (v.length > MAX_FILTER_LIST) return `at most ${MAX_FILTER_LIST} values`;
      if (!v.every(isScalar)) return "every value is a string, number, boolean or null";
      return v.some(longString) ? `strings have at most ${MAX_FILTER_STRING} characters` : null;
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      if (typeof v === "number" && Number.isFinite(v)) return null;
      if (typeof v === "string") return longString(v) ? `strings have at most ${MAX_FILTER_STRING} characters` : null;
      return "expected a number, or a string (compared as text, e.g. an ISO timestamp)";
    case "exists":
      return typeof v === "boolean" ? null : "expected true or false";
    case "prefix":
      if (typeof v !== "string") return "expected a string";
      return longString(v) ? `strings have at most ${MAX_FILTER_STRING} characters` : null;
  }
}

/** A filter made into a function of the event: compiled once per filter object (see compileFilter). */
export type FilterPredicate = (root: FilterRoot) => boolean;

const NEVER: FilterPredicate = () => false;
/** Nodes compiled at most: a filter that was never validated is cut off there (its excess never passes). */
const NODE_BUDGET = MAX_FILTER_NODES * 4;
const compiled = new WeakMap<object, FilterPredicate>();

/** Does the event pass the filter? Total: any filter and any event give an answer, never a throw. */
export function evaluateFilter(filter: unknown, root: FilterRoot): boolean {
  return compileFilter(filter)(root);
}

/**
 * The filter as a predicate, built once per filter object and kept while the object lives (fan-out's
 * snapshot keeps its hooks, and so their filters, in isolate memory): each path is parsed and each
 * operator chosen once, so evaluating is a walk of closures. Total like evaluateFilter: anything that
 * is not a valid filter node compiles to a predicate that never passes, and compiling stops after
 * NODE_BUDGET nodes and MAX_FILTER_DEPTH levels.
 */
export function compileFilter(filter: unknown): FilterPredicate {
  if (!isRecord(filter)) return NEVER;
  let p = compiled.get(filter);
  if (!p) {
    p = build(filter);
    compiled.set(filter, p);
  }
  return p;
}

function build(filter: Record<string, unknown>): FilterPredicate {
  let nodes = 0;
  const node = (f: unknown, depth: number): FilterPredicate => {
    if (++nodes > NODE_BUDGET || depth > MAX_FILTER_DEPTH || !isRecord(f)) return NEVER;
    if (Object.hasOwn(f, "and")) {
      if (!Array.isArray(f.and) || f.and.length === 0) return NEVER;
      const all: FilterPredicate[] = [];
      for (const g of f.and) {
        const p = node(g, depth + 1);
        if (p === NEVER) return NEVER;
        all.push(p);
      }
      return (r) => {
        for (const p of all) if (!p(r)) return false;
        return true;
      };
    }
    if (Object.hasOwn(f, "or")) {
      if (!Array.isArray(f.or)) return NEVER;
      const any: FilterPredicate[] = [];
      for (const g of f.or) {
        if (nodes > NODE_BUDGET) break;
        const p = node(g, depth + 1);
        if (p !== NEVER) any.push(p);
      }
      if (any.length === 0) return NEVER;
      return (r) => {
        for (const p of any) if (p(r)) return true;
        return false;
      };
    }
    if (Object.hasOwn(f, "not")) {
      if (!isRecord(f.not)) return NEVER;
      const inner = node(f.not, depth + 1);
      return (r) => !inner(r);
    }
    if (!Object.hasOwn(f, "path") || typeof f.path !== "string") return NEVER;
    const path = parsePathCached(f.path);
    if (!path.ok) return NEVER;
    const op = COMPARISONS.find((o) => Object.hasOwn(f, o));
    if (!op) return NEVER;
    const operand = f[op];
    const segments = path.segments;
    return (r) => compare(op, lookup(r, segments), operand);
  };
  return node(filter, 1);
}

function compare(op: ComparisonOp, found: Lookup, operand: unknown): boolean {
  if (op === "exists") return found.found === (operand === true);
  if (op === "neq") return !compare("eq", found, operand);
  if (op === "nin") return !compare("in", found, operand);
  if (!found.found) return false;
  const v = found.value;
  switch (op) {
    case "eq":
      return isScalar(operand) && v === operand;
    case "in":
      return Array.isArray(operand) && operand.length <= MAX_FILTER_LIST && isScalar(v) && operand.some((o) => o === v);
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      if (!((typeof v === "number" && typeof operand === "number") || (typeof v === "string" && typeof operand === "string"))) return false;
      if (op === "gt") return v > operand;
      if (op === "gte") return v >= operand;
      if (op === "lt") return v < operand;
      return v <= operand;
    }
    case "prefix":
      return typeof v === "string" && typeof operand === "string" && v.startsWith(operand);
    case "contains":
      if (typeof v === "string") return typeof operand === "string" && v.includes(operand);
      return Array.isArray(v) && isScalar(operand) && v.some((x) => x === operand);
  }
}

/** The root a filter reads for an event being published (or a sample one). */
export function filterRoot(event: { type: string; data: unknown; applications?: string[] | null; workId?: string | null }): FilterRoot {
  return { type: event.type, data: event.data, applications: event.applications ?? [], work_id: event.workId ?? null };
}
