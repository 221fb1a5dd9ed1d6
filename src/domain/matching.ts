import { compileFilter, filterRoot, type FilterRoot } from "./filter";
import { hookAbout, isOperationalEventType, subscribesToOperational } from "./operational-events";

// Which hooks an event reaches. One pure function used by `GET /v1/hooks/active`, the delivery
// fan-out of `POST /v1/events` and the pre-hook gates, so the three can never disagree.

export const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
/** A subscription: an event name, or a glob where `*` stands for any run of characters. */
export const EVENT_PATTERN = /^[A-Za-z0-9_.:*-]{1,128}$/;

export interface MatchableHook {
  id: string;
  events: string[];
  applications: string[] | null;
  fallback: boolean;
  phase: "post" | "pre";
  enabled: boolean;
  state: "new" | "valid" | "invalid" | "deactivated";
  /** A content filter (./filter.ts), or null: every event the other rules select. */
  filter?: unknown;
}

export interface MatchableEvent {
  type: string;
  applications?: string[] | null;
  /** False for catalog types that are not application-level (account-wide events, such as a team's or a user's). */
  applicationLevel?: boolean;
  /**
   * The payload, for content filters. Undefined when it is not known (`GET /v1/hooks/active` without
   * `data`): filters are then not evaluated, and a hook with one is selected by the other rules alone.
   */
  data?: unknown;
  workId?: string | null;
}

const patternCache = new Map<string, RegExp>();

export function patternMatches(pattern: string, type: string): boolean {
  if (pattern === "*" || pattern === type) return true;
  if (!pattern.includes("*")) return false;
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`);
    if (patternCache.size > 1000) patternCache.clear();
    patternCache.set(pattern, re);
  }
  return re.test(type);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\-]/g, "\\$&");
}

/**
 * Asked as an event type (`GET /v1/hooks/active?event=*`), `*` stands for no event in particular:
 * only the hooks subscribed to every event match it (Vydon's ACCOUNT_HOOK_EVENT_UNSPECIFIED). No
 * published event has this type: event names cannot contain `*`.
 */
export const ANY_EVENT = "*";

/** A subscription that takes every event: `*` (or `**`…). */
const takesEverything = (pattern: string) => /^\*+$/.test(pattern);

/** An empty subscription list means every event (Vydon's UNSPECIFIED). */
export function subscribesTo(events: readonly string[], type: string): boolean {
  // hookrouter's operational events reach only subscriptions of their namespace (./operational-events.ts).
  if (isOperationalEventType(type)) return events.some((p) => subscribesToOperational(p) && patternMatches(p, type));
  if (events.length === 0) return true;
  if (type === ANY_EVENT) return events.some(takesEverything);
  return events.some((p) => patternMatches(p, type));
}

function inScope(hook: MatchableHook, event: MatchableEvent): boolean {
  if (hook.applications === null) return true; // site-level: every event
  if (event.applicationLevel === false) return false;
  const apps = event.applications ?? [];
  return hook.applications.some((a) => apps.includes(a));
}

function isLive(hook: MatchableHook, phase: "post" | "pre"): boolean {
  return hook.enabled && hook.state !== "deactivated" && hook.phase === phase;
}

/**
 * The hooks of one account that an event of this phase reaches now:
 * enabled, not deactivated, of the phase, subscribed to the type, in scope, passing its content
 * filter (when it has one and the payload is known); and a `fallback` hook only when no
 * application-scoped hook was selected (the account's default configuration, for applications with none of their own).
 * Never the hook an operational event is about (no loops: ./operational-events.ts).
 */
export function selectHooks<H extends MatchableHook>(hooks: readonly H[], event: MatchableEvent, phase: "post" | "pre" = "post"): H[] {
  const candidates: H[] = [];
  let appScopedMatched = false;
  const about = hookAbout(event.type, event.data);
  // Built once, and only when a candidate has a filter: a hook without one costs a null check.
  let root: FilterRoot | undefined;
  for (const h of hooks) {
    if (h.id === about || !isLive(h, phase) || !subscribesTo(h.events, event.type) || !inScope(h, event)) continue;
    if (h.filter !== null && h.filter !== undefined && event.data !== undefined) {
      root ??= filterRoot({ ...event, data: event.data });
      if (!compileFilter(h.filter)(root)) continue;
    }
    candidates.push(h);
    if (h.applications !== null) appScopedMatched = true;
  }
  return appScopedMatched ? candidates.filter((h) => !h.fallback) : candidates;
}

/** What `selectNamedHooks` found: the live hooks to deliver to, and the ids it refuses. */
export interface NamedSelection<H> {
  selected: H[];
  /** Ids that are not hooks of this account (a foreign hook is unknown too). */
  unknown: string[];
  /** Pre-hooks (gates): called by gate runs, never sent deliveries. */
  gates: string[];
}

/**
 * A targeted send (`hook_ids` on a publish): the named hooks, whatever they subscribe to and
 * whatever their scope, but only the live ones (enabled, not deactivated); a disabled hook gets no
 * delivery, as in fan-out. Duplicates count once; the selection keeps the order first named. The
 * hook an operational `event` is about gets none either, even named (a replay of it).
 */
export function selectNamedHooks<H extends MatchableHook>(hooks: readonly H[], ids: readonly string[], event?: { type: string; data?: unknown }): NamedSelection<H> {
  const byId = new Map(hooks.map((h) => [h.id, h]));
  const about = event ? hookAbout(event.type, event.data) : null;
  const out: NamedSelection<H> = { selected: [], unknown: [], gates: [] };
  for (const id of new Set(ids)) {
    const h = byId.get(id);
    if (!h) out.unknown.push(id);
    else if (h.phase !== "post") out.gates.push(id);
    else if (isLive(h, "post") && h.id !== about) out.selected.push(h);
  }
  return out;
}

/**
 * Could one event type reach both subscriptions? Two globs overlap when some name matches both:
 * walked pairwise, a `*` on either side may take any run of the other side (memoised, O(|a|·|b|)).
 */
export function subscriptionsOverlap(a: readonly string[], b: readonly string[]): boolean {
  const every = (s: readonly string[]) => (s.length === 0 ? ["*"] : s);
  return every(a).some((p) => every(b).some((q) => globsOverlap(p, q)));
}

function globsOverlap(p: string, q: string): boolean {
  const seen = new Map<number, boolean>();
  const walk = (i: number, j: number): boolean => {
    const key = i * (q.length + 1) + j;
    const hit = seen.get(key);
    if (hit !== undefined) return hit;
    let ok: boolean;
    if (i === p.length && j === q.length) ok = true;
    else if (p[i] === "*") ok = walk(i + 1, j) || (j < q.length && walk(i, j + 1));
    else if (q[j] === "*") ok = walk(i, j + 1) || (i < p.length && walk(i + 1, j));
    else ok = i < p.length && j < q.length && p[i] === q[j] && walk(i + 1, j + 1);
    seen.set(key, ok);
    return ok;
  };
  return walk(0, 0);
}

/**
 * The live pre-hooks among `others` that some event type could reach together with `hook` (when it
 * is a live pre-hook itself; otherwise none). Applications are left out: an overlap counts whatever
 * the scopes, so the count can only be too high, never too low.
 */
export function gatesSharingEvents<H extends MatchableHook>(hook: MatchableHook, others: readonly H[]): H[] {
  if (!isLive(hook, "pre")) return [];
  return others.filter((o) => o.id !== hook.id && isLive(o, "pre") && subscriptionsOverlap(hook.events, o.events));
}

/** Does a catalog of names allow this subscription? A pattern must match at least one cataloged name. */
export function patternAllowedByCatalog(pattern: string, catalog: readonly string[]): boolean {
  return catalog.some((name) => patternMatches(pattern, name));
}
