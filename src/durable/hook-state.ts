import { DurableObject } from "cloudflare:workers";
import { getDb } from "../db/client";
import { admit as admitBreaker, CLOSED, circuitOf, recordAttempt as recordBreakerAttempt, type BreakerConfig, type BreakerState, type Circuit } from "../domain/circuit-breaker";
import { healthAfterAttempt, type AttemptSummary, type HealthChange } from "../domain/hook-health";
import { takeToken, type BucketState } from "../domain/token-bucket";
import { withReplayJob } from "../domain/replay-job-list";
import { getConfig, type DeliveryMessage, type Env } from "../env";
import { HookLine, type LineEnd, type LineStatus, type OnDead } from "./hook-line";
import { runScheduledTest, type HookTestResult } from "../services/hook-test";
import { publishAtOnce, publishOutbox } from "../services/operational-events";
import { OperationalOutbox, type DeadDelivery, type HookRef } from "./operational-outbox";

declare module "../env" {
  /** The class behind the `HOOK_STATE` binding (see DurableObjectClasses). */
  interface DurableObjectClasses {
    HOOK_STATE: HookState;
  }
}

/**
 * Per-hook coordination, one object per hook (`idFromName(hook_id)`), SQLite-backed: what must be
 * consistent for a hook across the whole edge. Every decision is pure logic in src/domain/; this
 * class only keeps the state (synchronous KV storage, so each RPC call is one atomic step) and does
 * the time-based things with its one alarm: the automatic test of a `new` hook, and publishing the
 * hook's operational events (./operational-outbox.ts, docs/operational-events.md).
 */
export class HookState extends DurableObject<Env> {
  /** A FIFO hook's line of deliveries (./hook-line.ts); no storage at all for other hooks. */
  private readonly line = new HookLine(this.ctx.storage.sql);

  /**
   * One round trip before a delivery of a hook that has a rate limit or is failing: the breaker says
   * whether anything may go (one probe at a time while open), then the token bucket says when. A
   * delivery told to postpone has reserved nothing and has not been attempted.
   */
  admit(opts: AdmitOptions): Admission {
    const now = Date.now();
    const before = this.breaker();
    const breaker = admitBreaker(before, now, this.breakerConfig());
    if (breaker.decision.action === "hold") return { action: "postpone", reason: "circuit_open", waitMs: breaker.decision.waitMs };
    const probe = breaker.decision.probe;
    let waitMs = 0;
    if (opts.rateLimitPerSecond !== null) {
      const limits = { ratePerSecond: opts.rateLimitPerSecond, burst: opts.burst ?? 1 };
      const taken = takeToken(this.kv.get<BucketState>(BUCKET) ?? null, limits, now, opts.maxWaitMs);
      // Kept either way: a refusal moves the backlog's turn along (nothing is reserved by it).
      this.kv.put(BUCKET, taken.state);
      if (!taken.decision.granted) return { action: "postpone", reason: "rate_limited", waitMs: taken.decision.waitMs };
      waitMs = taken.decision.waitMs;
    }
    // The probe lease is taken only once the delivery is sure to go.
    if (breaker.state !== before) this.kv.put(BREAKER, breaker.state);
    return { action: "send", waitMs, probe };
  }

  /**
   * The outcomes of a hook's attempts in one queue batch, in the order they were made (`probe`: as
   * `admit` said). Every batch that attempted a delivery of this hook reports, successes included, so
   * the breaker counts failures *in a row* whatever the batching and the number of consumers running
   * at once: one call per hook per batch (see circuit-breaker.ts). Answers the failure record and what
   * it means for the hook (the auto-disable rule, read from this one record). `rowFailingSince` is the
   * hook row's copy of the record: an earlier streak start there is adopted (this object's storage may
   * be younger than the streak, e.g. after a reset), so the row and the object agree.
   */
  async recordAttempts(attempts: RecordedAttempt[], rowFailingSince: string | null = null, ref?: HookRef): Promise<AttemptRecorded> {
    const now = Date.now();
    const cfg = this.breakerConfig();
    const autoDisableAfterSeconds = getConfig(this.env).AUTO_DISABLE_AFTER_SECONDS;
    const before = adoptRowRecord(this.breaker(), rowFailingSince);
    let after = before;
    let disable: HealthChange | null = null;
    for (const attempt of attempts) {
      const health = healthAfterAttempt({ failingSince: isoOrNull(after.failingSinceMs) }, attempt, new Date(now), autoDisableAfterSeconds);
      if (health.kind === "disable") disable ??= health;
      after = recordBreakerAttempt(after, attempt.ok, attempt.probe, now, cfg);
    }
    if (JSON.stringify(after) !== JSON.stringify(before)) this.kv.put(BREAKER, after);
    const circuit = rowChange(before, after);
    // Announced in this same step as the breaker's new state (one commit: ./operational-outbox.ts).
    if (ref && (circuit.kind !== "none" || disable)) {
      const outbox = this.outbox(ref);
      outbox.noteCircuit(circuit, after, now);
      if (disable?.kind === "disable") outbox.noteDisabled(disable.reason, now);
      await this.armAlarm();
    }
    return { ...failureRecord(after, now), health: disable ?? circuit };
  }

  /** One attempt's outcome: `recordAttempts` with a single attempt. */
  recordAttempt(attempt: AttemptSummary, probe = false, rowFailingSince: string | null = null, ref?: HookRef): Promise<AttemptRecorded> {
    return this.recordAttempts([{ ...attempt, probe }], rowFailingSince, ref);
  }

  /**
   * `admit` for a FIFO hook's message: the same one round trip, which first checks that the message
   * carries its delivery's turn at the head of the line (./hook-line.ts); a late copy of an earlier
   * head's message is dropped, never sent out of order.
   */
  admitInTurn(turn: { deliveryId: string; turn: number }, opts: AdmitOptions): Admission | { action: "drop" } {
    if (!this.line.isTurn(turn.deliveryId, turn.turn)) return { action: "drop" };
    return this.admit(opts);
  }

  /** FIFO deliveries join the hook's line; answers the messages to send now, in their turn (HookLine.join). */
  joinLine(entries: DeliveryMessage[], onDead: OnDead | undefined, fresh = false): DeliveryMessage[] {
    return this.line.join(entries, onDead, fresh);
  }

  /** The head of the line ended; answers the next one's message (HookLine.advance). */
  advanceLine(deliveryId: string, turn: number, end: LineEnd, onDead: OnDead): DeliveryMessage[] {
    return this.line.advance(deliveryId, turn, end, onDead);
  }

  /** A window replay job was started for this hook: GET /v1/hooks/{id}/replays lists it (src/domain/replay-job-list.ts). */
  rememberReplayJob(id: string): void {
    this.kv.put(REPLAY_JOBS, withReplayJob(this.replayJobIds(), id, Date.now()));
  }

  /** The hook's window replay jobs, newest first. */
  replayJobIds(): string[] {
    return this.kv.get<string[]>(REPLAY_JOBS) ?? [];
  }

  /** Empties the line (the hook's ordering was turned off): its messages, to be sent as any other hook's. */
  releaseLine(): DeliveryMessage[] {
    return this.line.release();
  }

  /** Forgets the failure streak (a hook enabled again by hand starts with a closed breaker, and a later disable is announced again). */
  resetFailures(): void {
    this.kv.put(BREAKER, CLOSED);
    this.operational().enabledAgain();
  }

  /** Deliveries of this hook that went dead, as their delivery log announces them (once each: see operational-outbox.ts). */
  async noteDead(ref: HookRef, dead: DeadDelivery[]): Promise<void> {
    this.outbox(ref).noteDead(dead, Date.now());
    await this.armAlarm();
  }

  /** An endpoint test moved the hook's state (`POST /v1/hooks/{id}/test`; the automatic test notes its own). */
  async noteStateChange(ref: HookRef, from: string, to: string, result: HookTestResult): Promise<void> {
    const outbox = this.outbox(ref);
    outbox.note(outbox.stateChange(from, to, result), Date.now());
    await this.armAlarm();
  }

  saveTestResult(result: HookTestResult): void {
    this.kv.put(LAST_TEST, result);
  }

  status(): HookLiveState {
    const line = this.line.status();
    return { ...failureRecord(this.breaker(), Date.now()), last_test: this.kv.get<HookTestResult>(LAST_TEST) ?? null, ...(line ? { line } : {}) };
  }

  /**
   * Queues the automatic endpoint test of a `new` hook: an alarm rather than work inside the request
   * that created or changed the hook, so that request answers at once and a failing test is retried
   * by the runtime if the object crashes. A later change re-arms the same alarm (one test, of the
   * latest settings).
   */
  async scheduleTest(accountId: string, hookId: string, delayMs = 0): Promise<void> {
    this.kv.put(HOOK, { accountId, hookId, testDueMs: Date.now() + delayMs } satisfies HookRecord);
    await this.armAlarm();
  }

  /**
   * The one alarm serves two things: the operational events' outbox (published at once, retried
   * every OUTBOX_RETRY_MS while the log cannot be reached; a held one when its throttle interval
   * ends) and the automatic test when due. Then it is set again for whichever is next.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const outbox = this.operational();
    const outboxDue = outbox.dueAt(now);
    const ref = this.kv.get<HookRecord>(HOOK) ?? null;
    const published = await publishOutbox(this.env, outbox, ref, now);
    // The hook was deleted and its delete could not clear this object (best-effort), or a late announcement re-created it: clear it.
    if (published === "gone") return this.purge();
    // An alarm with no event due is the test's (or one a test set off early): the test runs, as it always did.
    if (await this.runTestIfDue(now, outboxDue === null || outboxDue > now)) return;
    await this.armAlarm(published === "done" ? undefined : now + OUTBOX_RETRY_MS);
  }

  /** Answers true when the hook turned out to be deleted (everything is cleared then). */
  private async runTestIfDue(now: number, firedForTest: boolean): Promise<boolean> {
    const ref = this.kv.get<HookRecord>(HOOK);
    // `testDueMs` undefined: a test queued before the outbox shared this alarm (it runs, as then).
    if (!ref || ref.testDueMs === null || (ref.testDueMs !== undefined && ref.testDueMs > now && !firedForTest)) return false;
    const config = getConfig(this.env);
    const outcome = await runScheduledTest({ db: getDb(this.env.DB), config }, ref.accountId, ref.hookId);
    if (outcome.kind === "gone") {
      // The hook was deleted and its delete could not clear this object (best-effort): clear it now.
      await this.purge();
      return true;
    }
    // Done (a test re-queued meanwhile keeps its own due time).
    const latest = this.kv.get<HookRecord>(HOOK);
    if (latest && latest.testDueMs === ref.testDueMs) this.kv.put(HOOK, { ...latest, testDueMs: null });
    if (outcome.kind === "tested") {
      this.kv.put(LAST_TEST, outcome.result);
      // State changes are not throttled (only tests make them): published at once, a crash since D1's answer loses it.
      if (outcome.changed) await publishAtOnce(this.env, this.outbox(ref), ref, this.operational().stateChange(outcome.changed.from, outcome.changed.to, outcome.result));
    }
    return false;
  }

  /** The alarm at the earliest of: the outbox's next due time (or `outboxAt`, a retry's), the automatic test. */
  private async armAlarm(outboxAt?: number): Promise<void> {
    const now = Date.now();
    const outboxDue = this.operational().dueAt(now);
    const testDue = this.kv.get<HookRecord>(HOOK)?.testDueMs ?? null;
    const due = [outboxDue === null ? null : Math.max(outboxDue, outboxAt ?? outboxDue), testDue].filter((d): d is number => d !== null);
    if (due.length > 0) await this.ctx.storage.setAlarm(Math.min(...due));
  }

  /** The outbox of the hook's operational events, the hook's id and account kept for it (the object cannot tell its own hook's id). */
  private outbox(ref: HookRef): OperationalOutbox {
    if (!this.kv.get(HOOK)) this.kv.put(HOOK, { ...ref, testDueMs: null } satisfies HookRecord);
    return this.operational();
  }

  private operational(): OperationalOutbox {
    return new OperationalOutbox(this.kv, this.operationalIntervalMs());
  }

  private operationalIntervalMs(): number {
    return getConfig(this.env).OPERATIONAL_EVENT_INTERVAL_SECONDS * 1000;
  }

  /**
   * Forgets everything about the hook (bucket, breaker, last test, hook reference) and cancels a
   * queued test: called when the hook is deleted, so nothing outlives it. The alarm goes first, so a
   * failure half-way leaves no test due for a hook that no longer exists.
   */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.line.forget();
  }

  private get kv(): SyncKvStorage {
    return this.ctx.storage.kv;
  }

  private breaker(): BreakerState {
    return this.kv.get<BreakerState>(BREAKER) ?? CLOSED;
  }

  private breakerConfig(): BreakerConfig {
    const c = getConfig(this.env);
    return {
      threshold: c.CIRCUIT_BREAKER_THRESHOLD,
      firstProbeAfterMs: c.CIRCUIT_PROBE_INITIAL_SECONDS * 1000,
      maxProbeIntervalMs: c.CIRCUIT_PROBE_MAX_SECONDS * 1000,
      // A probe that has not reported back after two timeouts was lost (the consumer crashed).
      probeLeaseMs: 2 * c.DELIVERY_TIMEOUT_MS + 5000,
    };
  }
}

const BUCKET = "bucket";
const BREAKER = "breaker";
const LAST_TEST = "last_test";
const HOOK = "hook";
const REPLAY_JOBS = "replay_jobs";
/** A publish the log could not take is tried again this much later. */
const OUTBOX_RETRY_MS = 30_000;

/** The hook this object is for, and when its automatic test is due (ms; null: none queued; absent: queued before due times were kept). */
interface HookRecord extends HookRef {
  testDueMs?: number | null;
}

export interface RecordedAttempt extends AttemptSummary {
  /** `admit` let it through as the one probe of an open breaker. */
  probe: boolean;
}

export interface AdmitOptions {
  /** The hook's `rate_limit_per_second`, or null (then only the breaker is asked). */
  rateLimitPerSecond: number | null;
  /** Tokens an idle hook saves up; 1 (the default) keeps every one-second window within the limit. */
  burst?: number;
  /** A token freeing within this long is reserved and slept for; a later one means postpone. */
  maxWaitMs: number;
}

export type Admission =
  /** Send after `waitMs` (0 = now). `probe`: this is the one probe of an open breaker. */
  | { action: "send"; waitMs: number; probe: boolean }
  /** Do not send; ask again after `waitMs`. Not an attempt. */
  | { action: "postpone"; reason: "rate_limited" | "circuit_open"; waitMs: number };

export interface FailureRecord {
  circuit: Circuit;
  consecutive_failures: number;
  /** First failed attempt of the current streak (ISO), or null while the hook is healthy. */
  failing_since: string | null;
}

export interface AttemptRecorded extends FailureRecord {
  /** What the hook's row must record: the breaker opened (with its streak's start) or closed, or the hook's disabling. */
  health: HealthChange;
}

export interface HookLiveState extends FailureRecord {
  last_test: HookTestResult | null;
  /** A FIFO hook's line; absent for a hook that never had one. */
  line?: LineStatus;
}

function adoptRowRecord(s: BreakerState, rowFailingSince: string | null): BreakerState {
  const row = rowFailingSince === null ? NaN : Date.parse(rowFailingSince);
  if (Number.isNaN(row) || (s.failingSinceMs !== null && s.failingSinceMs <= row)) return s;
  return { ...s, failingSinceMs: row };
}

function failureRecord(s: BreakerState, now: number): FailureRecord {
  return { circuit: circuitOf(s, now), consecutive_failures: s.consecutiveFailures, failing_since: isoOrNull(s.failingSinceMs) };
}

/**
 * What the attempts mean for the hook's row, which carries the streak's start (`failing_since`) only
 * while the breaker is open: that copy is what makes the consumer ask this object before sending,
 * and a closed breaker admits everything. So a failure that does not open the breaker (most of them:
 * the next try succeeds) writes nothing to D1; the opening and the closing write the row once each.
 */
function rowChange(before: BreakerState, after: BreakerState): HealthChange {
  if (before.openedAtMs === null && after.openedAtMs !== null) return { kind: "started_failing", at: isoOrNull(after.failingSinceMs)! };
  if (before.openedAtMs !== null && after.openedAtMs === null) return { kind: "recovered" };
  return { kind: "none" };
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The one `HookState` of a hook. */
export function hookStateOf(ns: Env["HOOK_STATE"], hookId: string): DurableObjectStub<HookState> {
  return ns.get(ns.idFromName(hookId));
}
