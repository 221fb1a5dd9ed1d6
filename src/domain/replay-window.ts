import { selectHooks, type MatchableHook } from "./matching";
import { isOperationalEventType, subscribesToOperational } from "./operational-events";

// A window replay: every stored event of a time window (of some types) delivered again to ONE hook,
// as new deliveries, by a background job (src/durable/replay-job.ts) that walks the account's log
// shards one after the other, each in bounded steps (src/log/replay-window.ts). Pure: what a job asks
// for, which events it takes, and how the shards' progress adds up.

export type ReplayJobStatus = "queued" | "running" | "done" | "failed" | "cancelled";

/** What a job asks every shard for; the same at each step. */
export interface ReplayWindowSpec {
  jobId: string;
  hookId: string;
  /** Events created at or after `from` and before `to` (ISO instants). */
  from: string;
  to: string;
  /** Only events of these types; null: every type. */
  eventTypes: string[] | null;
  /** Only events whose deliveries to the hook all ended dead or skipped (none succeeded, none still open). */
  onlyFailed: boolean;
  /**
   * The hook and, when it is a fallback hook, the live application-scoped hooks that decide whether
   * it gets an event (matching as a publish would now: src/domain/matching.ts); read at each run.
   */
  matchers: MatchableHook[];
  /** Each cataloged type's `application_level`; null when the account has no catalog (every type allowed). */
  catalog: Record<string, boolean> | null;
}

/** What one shard did for a job so far: stored by the shard with its writes, so a step is never counted or made twice. */
export interface ShardProgress {
  /** The last event id the walk has passed ("" before the first). */
  cursor: string;
  scanned: number;
  replayed: number;
  skipped: number;
  /** The walk reached the end of the window. */
  done: boolean;
  /** The job's cap was reached and a further matching event was found: the walk stopped before it. */
  capped: boolean;
}

export const NO_PROGRESS: ShardProgress = { cursor: "", scanned: 0, replayed: 0, skipped: 0, done: false, capped: false };

/** A stored event as the walk sees it. */
export interface WindowEvent {
  type: string;
  applications: string[] | null;
  workId: string | null;
  /** Parsed only when a content filter needs it. */
  payload: () => unknown;
  /** The statuses of the event's deliveries to the job's hook (as readers see them). */
  hookStatuses: () => string[];
}

/**
 * Does the job replay this event? `only_failed`: the hook had deliveries of it and every one ended
 * dead or skipped. Otherwise: the hook matches it now, as a publish of it would be matched (its
 * subscription, scope and content filter; an event whose type left a non-empty catalog is not taken).
 */
export function takesEvent(spec: Pick<ReplayWindowSpec, "hookId" | "onlyFailed" | "matchers" | "catalog">, event: WindowEvent): boolean {
  if (spec.onlyFailed) {
    const statuses = event.hookStatuses();
    return statuses.length > 0 && statuses.every((s) => s === "dead" || s === "skipped");
  }
  // hookrouter's own types are cataloged in every account (as at publish: src/services/fanout-plan.ts).
  if (spec.catalog && !(event.type in spec.catalog) && !isOperationalEventType(event.type)) return false;
  const matched = selectHooks(spec.matchers, {
    type: event.type,
    applications: event.applications,
    applicationLevel: isOperationalEventType(event.type) ? true : spec.catalog?.[event.type],
    data: readsPayload(spec) ? event.payload() : undefined,
    workId: event.workId,
  });
  return matched.some((h) => h.id === spec.hookId);
}

/**
 * Whether the events' payloads decide, so the walk must read them: a content filter, or a hook taking
 * operational events (one is never sent to the hook it is about, named in its payload).
 */
export function readsPayload(spec: Pick<ReplayWindowSpec, "onlyFailed" | "matchers">): boolean {
  return !spec.onlyFailed && spec.matchers.some((h) => (h.filter !== null && h.filter !== undefined) || h.events.some(subscribesToOperational));
}

/**
 * The hooks whose matching decides whether `hook` gets an event: itself, and for a fallback hook the
 * live application-scoped post-hooks (a fallback hook gets an event only when none of them does).
 */
export function matchersFor(hook: MatchableHook, all: readonly MatchableHook[]): MatchableHook[] {
  if (!hook.fallback) return [hook];
  return [hook, ...all.filter((h) => h.id !== hook.id && h.applications !== null && h.phase === "post" && h.enabled && h.state !== "deactivated")];
}

/** The job's counts: the sum of its shards'. */
export function totals(shards: readonly ShardProgress[]): { scanned: number; replayed: number; skipped: number } {
  return shards.reduce((t, s) => ({ scanned: t.scanned + s.scanned, replayed: t.replayed + s.replayed, skipped: t.skipped + s.skipped }), { scanned: 0, replayed: 0, skipped: 0 });
}

/**
 * How far the job is, 0 to 1: the shards done, and in the shard being walked how far its cursor is
 * through the window (ids carry their time). An estimate: events are not spread evenly in time.
 */
export function progressOf(shards: readonly ShardProgress[], from: string, to: string, cursorMs: (cursor: string) => number | null): number {
  if (shards.length === 0) return 1;
  const span = Math.max(1, Date.parse(to) - Date.parse(from));
  let sum = 0;
  for (const s of shards) {
    if (s.done || s.capped) sum += 1;
    else {
      const ms = s.cursor ? cursorMs(s.cursor) : null;
      sum += ms === null ? 0 : Math.min(1, Math.max(0, (ms - Date.parse(from)) / span));
    }
  }
  return Math.round((sum / shards.length) * 1000) / 1000;
}

/** The longest window a job may cover: the longest retention an account may have. */
export const MAX_WINDOW_DAYS = 400;
