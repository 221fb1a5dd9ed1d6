// Operational events: what hookrouter publishes about an account's own hooks into the account's own
// event stream (docs/operational-events.md). Pure: their names and payloads, who may receive them
// (never the hook they are about), and the throttle that keeps a flapping hook from flooding the
// account. The hook's Durable Object keeps the throttle's state and the outbox
// (src/durable/operational-outbox.ts); src/services/operational-events.ts publishes.

/** The namespace hookrouter keeps for itself: accounts cannot publish or catalog these names. */
export const OPERATIONAL_PREFIX = "hookrouter.";

export const OPERATIONAL_EVENT_TYPES = [
  "hookrouter.hook.disabled",
  "hookrouter.hook.state_changed",
  "hookrouter.hook.circuit_opened",
  "hookrouter.hook.circuit_closed",
  "hookrouter.delivery.dead",
] as const;

export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number];

/** Is this name in hookrouter's own namespace (published by hookrouter alone)? */
export function isReservedEventType(type: string): boolean {
  return type.toLowerCase().startsWith(OPERATIONAL_PREFIX);
}

export function isOperationalEventType(type: string): type is OperationalEventType {
  return (OPERATIONAL_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * Only a subscription of hookrouter's namespace (`hookrouter.*`, `hookrouter.hook.*`, an exact name)
 * takes operational events: a catch-all hook (`*`, or no events) keeps receiving exactly what the
 * account publishes, so turning the feature on sends nobody new traffic unasked.
 */
export function subscribesToOperational(pattern: string): boolean {
  return pattern.toLowerCase().startsWith(OPERATIONAL_PREFIX);
}

/**
 * The hook an event is about, which never receives it: an operational event names it in
 * `payload.hook_id`. Accounts cannot publish in this namespace, so the field cannot be forged.
 */
export function hookAbout(type: string, data: unknown): string | null {
  if (!isOperationalEventType(type) || typeof data !== "object" || data === null) return null;
  const id = (data as { hook_id?: unknown }).hook_id;
  return typeof id === "string" ? id : null;
}

/**
 * What a receiver's answers make happen is throttled per (hook, group); the two circuit events share
 * one group, so the last one published always tells the circuit's current state. A state change is
 * not throttled (null): only an endpoint test makes one, never a delivery, so a flapping receiver
 * cannot repeat it; its rate is that of the account's own API calls, themselves rate-limited.
 */
export type ThrottleGroup = "circuit" | "disabled" | "dead";

export function throttledGroupOf(type: OperationalEventType): ThrottleGroup | null {
  switch (type) {
    case "hookrouter.hook.circuit_opened":
    case "hookrouter.hook.circuit_closed":
      return "circuit";
    case "hookrouter.hook.disabled":
      return "disabled";
    case "hookrouter.hook.state_changed":
      return null;
    case "hookrouter.delivery.dead":
      return "dead";
  }
}

/** One transition as the hook's object saw it: the type, when, and the type's own payload fields. */
export interface Transition {
  type: OperationalEventType;
  occurredAt: string;
  details: Record<string, unknown>;
}

/** A transition to publish, with how many of its group's transitions before it were not published. */
export interface ToPublish extends Transition {
  suppressed: number;
}

export interface GroupThrottle {
  /** When this group last published (ms). */
  lastAtMs: number;
  /** The latest transition held back, published when the interval ends. */
  pending: Transition | null;
  /** Held-back transitions before `pending` (replaced by a later one): counted, never published. */
  suppressed: number;
}

/**
 * The throttle: per (hook, group), at most one event per `intervalMs`. The first transition after a
 * quiet interval is published at once; later ones within the interval are held, the latest replacing
 * the one before (which is counted in `suppressed`), and the latest is published when the interval
 * ends. So a flapping hook yields at most one event per group per interval, each carrying how many
 * transitions it stands for, and the last event of a group always tells the current state.
 */
export function throttleTransition(g: GroupThrottle | undefined, t: Transition, nowMs: number, intervalMs: number): { state: GroupThrottle; publish: ToPublish | null } {
  if (!g || nowMs - g.lastAtMs >= intervalMs) {
    // A quiet interval, or one whose held transition was not released yet (its alarm is late): it is replaced.
    const suppressed = g ? g.suppressed + (g.pending ? 1 : 0) : 0;
    return { state: { lastAtMs: nowMs, pending: null, suppressed: 0 }, publish: { ...t, suppressed } };
  }
  return { state: { lastAtMs: g.lastAtMs, pending: t, suppressed: g.suppressed + (g.pending ? 1 : 0) }, publish: null };
}

/** The held transition whose interval has ended, if any. */
export function releaseHeld(g: GroupThrottle, nowMs: number, intervalMs: number): { state: GroupThrottle; publish: ToPublish | null } {
  if (!g.pending || nowMs < g.lastAtMs + intervalMs) return { state: g, publish: null };
  return { state: { lastAtMs: nowMs, pending: null, suppressed: 0 }, publish: { ...g.pending, suppressed: g.suppressed } };
}

/** When a group's held transition is due (null: nothing held). */
export function heldDueAt(g: GroupThrottle, intervalMs: number): number | null {
  return g.pending ? g.lastAtMs + intervalMs : null;
}

/** The payload of an operational event: the type's fields, the hook it is about, and the throttle's count. */
export function operationalPayload(p: ToPublish, hook: { id: string; name: string | null }): Record<string, unknown> {
  return { hook_id: hook.id, hook_name: hook.name, occurred_at: p.occurredAt, suppressed: p.suppressed, ...p.details };
}

/** A catalog entry of a built-in type: what `GET /v1/event-types?include_built_in=true` lists. */
export interface BuiltInEventType {
  name: OperationalEventType;
  description: string;
  /** JSON Schema of the payload. */
  payload_schema: Record<string, unknown>;
}

const COMMON_FIELDS = {
  hook_id: { type: "string", description: "The hook this event is about (it never receives this event)" },
  hook_name: { type: ["string", "null"], description: "Its name when the event was published" },
  occurred_at: { type: "string", format: "date-time", description: "When the transition happened" },
  suppressed: { type: "integer", minimum: 0, description: "Transitions of the same kind on this hook since the previous such event that were not published (throttled)" },
};

function schema(fields: Record<string, unknown>): Record<string, unknown> {
  return { type: "object", properties: { ...COMMON_FIELDS, ...fields }, required: [...Object.keys(COMMON_FIELDS), ...Object.keys(fields)] };
}

export const BUILT_IN_EVENT_TYPES: readonly BuiltInEventType[] = [
  {
    name: "hookrouter.hook.disabled",
    description: "A hook was disabled automatically: its receiver answered 410 Gone, or every delivery failed for AUTO_DISABLE_AFTER_SECONDS",
    payload_schema: schema({ reason: { type: "string", description: "Why, as the hook's disabled_reason says" } }),
  },
  {
    name: "hookrouter.hook.state_changed",
    description: "An endpoint test (automatic or by hand) moved a hook to valid or invalid",
    payload_schema: schema({
      from: { type: "string", enum: ["new", "valid", "invalid"] },
      to: { type: "string", enum: ["valid", "invalid"] },
      response_status: { type: ["integer", "null"], description: "The test's answer" },
      error_message: { type: ["string", "null"] },
    }),
  },
  {
    name: "hookrouter.hook.circuit_opened",
    description: "A hook's circuit breaker opened: its deliveries are held back, one probe at a time",
    payload_schema: schema({
      consecutive_failures: { type: "integer" },
      failing_since: { type: "string", format: "date-time", description: "The first failure of the streak" },
    }),
  },
  {
    name: "hookrouter.hook.circuit_closed",
    description: "A hook's circuit breaker closed again: an attempt succeeded",
    payload_schema: schema({}),
  },
  {
    name: "hookrouter.delivery.dead",
    description: "A delivery used all its retries (or its answer was final) and is dead; a dead delivery of an operational event publishes none",
    payload_schema: schema({
      delivery_id: { type: "string" },
      event_id: { type: "string" },
      event_type: { type: "string" },
      attempts: { type: "integer" },
    }),
  },
];
