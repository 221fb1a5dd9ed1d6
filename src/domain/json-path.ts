// The paths that content filters (./filter.ts) and payload transformations (./transform.ts) read an
// event with: `data.severity`, `data.items[0].name`, `data["a key"]`, `applications[0]`. Pure and
// bounded: a path has at most MAX_PATH_SEGMENTS steps, a look-up walks them once, and only a value's
// own properties are read (never `__proto__`, `constructor` or anything inherited).

export const MAX_PATH_LENGTH = 256;
export const MAX_PATH_SEGMENTS = 32;

export type PathSegment = string | number;

export type ParsedPath = { ok: true; segments: PathSegment[] } | { ok: false; error: string };

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

/** Parses a path; never throws. The empty path is refused (a filter or template names what it reads). */
export function parsePath(path: string): ParsedPath {
  if (typeof path !== "string" || path.length === 0) return { ok: false, error: "a path is a non-empty string" };
  if (path.length > MAX_PATH_LENGTH) return { ok: false, error: `a path has at most ${MAX_PATH_LENGTH} characters` };
  const segments: PathSegment[] = [];
  let i = 0;
  let expectName = true;
  while (i < path.length) {
    if (segments.length >= MAX_PATH_SEGMENTS) return { ok: false, error: `a path has at most ${MAX_PATH_SEGMENTS} steps` };
    const c = path[i]!;
    if (c === "[") {
      const close = path.indexOf("]", i);
      if (close < 0) return { ok: false, error: `unclosed [ at character ${i + 1}` };
      const inner = path.slice(i + 1, close);
      if (/^(0|[1-9][0-9]{0,8})$/.test(inner)) segments.push(Number(inner));
      else if (/^"(?:[^"\\]|\\.)*"$/.test(inner)) {
        // A quoted key: JSON string syntax (a `]` inside it must be written \u005d).
        try {
          segments.push(JSON.parse(inner) as string);
        } catch {
          return { ok: false, error: `not a valid quoted key at character ${i + 1}` };
        }
      } else return { ok: false, error: `[${inner}] is neither an index (0, 1, …) nor a quoted key ("…") at character ${i + 1}` };
      i = close + 1;
      expectName = false;
      continue;
    }
    if (c === ".") {
      if (expectName) return { ok: false, error: `unexpected . at character ${i + 1}` };
      i += 1;
      expectName = true;
      if (i >= path.length) return { ok: false, error: "a path cannot end with ." };
      continue;
    }
    if (!expectName) return { ok: false, error: `expected . or [ at character ${i + 1}` };
    const m = IDENT.exec(path.slice(i));
    if (!m) return { ok: false, error: `unexpected ${JSON.stringify(c)} at character ${i + 1}: names are [A-Za-z_$][A-Za-z0-9_$-]*, other keys are written ["…"]` };
    segments.push(m[0]);
    i += m[0].length;
    expectName = false;
  }
  return { ok: true, segments };
}

const parsedCache = new Map<string, ParsedPath>();

/** parsePath, memoised (filters and templates are evaluated many times with the same few paths). */
export function parsePathCached(path: string): ParsedPath {
  let hit = parsedCache.get(path);
  if (!hit) {
    hit = parsePath(path);
    if (parsedCache.size > 2000) parsedCache.clear();
    parsedCache.set(path, hit);
  }
  return hit;
}

/** What a path finds: `found: false` when some step is missing (distinct from a present `null`). */
export type Lookup = { found: true; value: unknown } | { found: false };

const MISSING: Lookup = { found: false };

/** Walks `segments` from `root`, reading own properties only; never throws. */
export function lookup(root: unknown, segments: readonly PathSegment[]): Lookup {
  let cur: unknown = root;
  for (const seg of segments) {
    if (typeof seg === "number") {
      if (!Array.isArray(cur) || seg >= cur.length) return MISSING;
      cur = cur[seg];
    } else {
      if (cur === null || typeof cur !== "object" || Array.isArray(cur) || !Object.hasOwn(cur, seg)) return MISSING;
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return cur === undefined ? MISSING : { found: true, value: cur };
}
