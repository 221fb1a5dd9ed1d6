import type { HealthChange } from "../domain/hook-health";
import { ulid } from "../domain/ids";
import { heldDueAt, releaseHeld, throttleTransition, type GroupThrottle, throttledGroupOf, type ThrottleGroup, type ToPublish, type Transition } from "../domain/operational-events";

// A hook's operational events on their way out, kept in the hook's Durable Object (src/durable/hook-state.ts)
// next to the state whose transitions they announce. A transition is noted in the same synchronous
// step as the change it announces (the breaker's new state, the disable verdict), so both are stored
// together or neither is: the object's output gate commits them as one write. The object's alarm then
// publishes the outbox (src/services/operational-events.ts), retrying until the log accepted each
// entry; each entry's id is its publish's idempotency key, so a publish repeated after a crash
// answers the first event and creates nothing. Cost: one or two rows written per event noted (the
// throttle's state and the outbox, one key each), one more when it leaves the outbox.

const THROTTLE = "op_throttle";
const OUTBOX = "op_outbox";
/** The disable already announced (cleared when the hook is enabled again by hand). */
const DISABLED = "op_disabled";
/** Dead deliveries already noted (a forward the log repeated after a crash is noted once). */
const DEAD_SEEN = "op_dead_seen";
const DEAD_SEEN_KEPT = 200;

export interface HookRef {
  accountId: string;
  hookId: string;
}

export interface OutboxEntry extends ToPublish {
  /** Also the publish's idempotency key (`hookrouter:<id>`). */
  id: string;
}

/** A delivery that went dead, as its delivery log announces it to its hook's object. */
export interface DeadDelivery {
  deliveryId: string;
  eventId: string;
  eventType: string;
  attempts: number;
  /** When it went dead (ISO). */
  at: string;
}

export class OperationalOutbox {
  constructor(
    private readonly kv: SyncKvStorage,
    private readonly intervalMs: number,
  ) {}

  /** The breaker opened or closed (what the hook's row must record says which). */
  noteCircuit(change: HealthChange, breaker: { consecutiveFailures: number; failingSinceMs: number | null }, nowMs: number): void {
    const occurredAt = new Date(nowMs).toISOString();
    if (change.kind === "started_failing") {
      this.note({ type: "hookrouter.hook.circuit_opened", occurredAt, details: { consecutive_failures: breaker.consecutiveFailures, failing_since: change.at } }, nowMs);
    } else if (change.kind === "recovered") {
      this.note({ type: "hookrouter.hook.circuit_closed", occurredAt, details: {} }, nowMs);
    }
  }

  /** An endpoint test moved the hook to `valid` or `invalid`. */
  stateChange(from: string, to: string, test: { response_status: number | null; error_message: string | null; tested_at: string }): Transition {
    return { type: "hookrouter.hook.state_changed", occurredAt: test.tested_at, details: { from, to, response_status: test.response_status, error_message: test.error_message } };
  }

  /** A transition: published at once, or held by the throttle (domain/operational-events.ts). */
  note(t: Transition, nowMs: number): void {
    const group = throttledGroupOf(t.type);
    if (group === null) return this.push({ ...t, suppressed: 0 });
    const throttles = this.throttles();
    const { state, publish } = throttleTransition(throttles[group], t, nowMs, this.intervalMs);
    throttles[group] = state;
    this.kv.put(THROTTLE, throttles);
    if (publish) this.push(publish);
  }

  /** The disable is announced once, until `enabledAgain`. */
  noteDisabled(reason: string, nowMs: number): void {
    if (this.kv.get<boolean>(DISABLED)) return;
    this.kv.put(DISABLED, true);
    this.note({ type: "hookrouter.hook.disabled", occurredAt: new Date(nowMs).toISOString(), details: { reason } }, nowMs);
  }

  enabledAgain(): void {
    this.kv.delete(DISABLED);
  }

  /** Dead deliveries from their log, each noted once whatever the log repeats. */
  noteDead(dead: DeadDelivery[], nowMs: number): void {
    const seen = this.kv.get<string[]>(DEAD_SEEN) ?? [];
    const fresh = dead.filter((d) => !seen.includes(`${d.deliveryId}@${d.at}`));
    if (fresh.length === 0) return;
    this.kv.put(DEAD_SEEN, [...seen, ...fresh.map((d) => `${d.deliveryId}@${d.at}`)].slice(-DEAD_SEEN_KEPT));
    for (const d of fresh) {
      this.note({ type: "hookrouter.delivery.dead", occurredAt: d.at, details: { delivery_id: d.deliveryId, event_id: d.eventId, event_type: d.eventType, attempts: d.attempts } }, nowMs);
    }
  }

  /** Held transitions whose interval ended go to the outbox. */
  release(nowMs: number): void {
    const throttles = this.throttles();
    let changed = false;
    for (const group of Object.keys(throttles) as ThrottleGroup[]) {
      const { state, publish } = releaseHeld(throttles[group]!, nowMs, this.intervalMs);
      if (!publish) continue;
      throttles[group] = state;
      changed = true;
      this.push(publish);
    }
    if (changed) this.kv.put(THROTTLE, throttles);
  }

  entries(): OutboxEntry[] {
    return this.kv.get<OutboxEntry[]>(OUTBOX) ?? [];
  }

  /** Published (or dropped for good): out of the outbox. */
  remove(id: string): void {
    const left = this.entries().filter((e) => e.id !== id);
    if (left.length > 0) this.kv.put(OUTBOX, left);
    else this.kv.delete(OUTBOX);
  }

  /** When the alarm must run for these events: now while the outbox holds any, else when the first held one is due. */
  dueAt(nowMs: number): number | null {
    if (this.entries().length > 0) return nowMs;
    const due = Object.values(this.throttles())
      .map((g) => heldDueAt(g, this.intervalMs))
      .filter((d): d is number => d !== null);
    return due.length > 0 ? Math.min(...due) : null;
  }

  private push(p: ToPublish): void {
    this.kv.put(OUTBOX, [...this.entries(), { ...p, id: ulid() }]);
  }

  private throttles(): Partial<Record<ThrottleGroup, GroupThrottle>> {
    return this.kv.get<Partial<Record<ThrottleGroup, GroupThrottle>>>(THROTTLE) ?? {};
  }
}
