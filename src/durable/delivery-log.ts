import { DurableObject } from "cloudflare:workers";
import { enqueueDeliveries } from "../delivery/enqueue";
import { deliveryIdOf, parseLogId } from "../domain/log-ids";
import type { ReplayWindowSpec, ShardProgress } from "../domain/replay-window";
import { getConfig, type Env } from "../env";
import { getDb } from "../db/client";
import { findAccount } from "../db/accounts";
import { FirstSuccesses } from "../log/first-successes";
import type { LogDb } from "../log/log-db";
import { Partitions } from "../log/partitions";
import * as reads from "../log/reads";
import type { DeliveryStatus, EventRow, GateRunRow, AttemptWrite, DeliveryUpdate } from "../log/records";
import { forgetReplay, replayStep } from "../log/replay-window";
import { claimStale, purgeExpired, reopenedSince } from "../log/upkeep";
import { forwardAnnouncements, keepAnnouncements } from "../log/dead-announcements";
import * as writes from "../log/writes";
import { errorDetail, log } from "../observability/log";

declare module "../env" {
  /** The class behind the `DELIVERY_LOG` binding (see DurableObjectClasses). */
  interface DurableObjectClasses {
    DELIVERY_LOG: DeliveryLog;
  }
}

/**
 * The data plane of one account shard: its events, deliveries, attempts, gate runs and idempotency
 * claims, in the object's own SQLite (src/log/), one object per (account, shard) (`logOf`). D1 keeps
 * only the management data, so publishing and delivering for two accounts touch no common writer.
 * Each RPC method is one atomic step (the object's input and output gates); the alarm re-sends what
 * stays pending and drops what is past the account's retention (src/log/upkeep.ts).
 */
export class DeliveryLog extends DurableObject<Env> {
  private readonly parts: Partitions;
  private readonly db: LogDb;
  private alarmArmed = false;
  /** The account's settings (META) as stored; undefined until read. */
  private meta: LogMeta | null | undefined;
  /** Rows this object wrote since it started (what SQLite storage bills), for `usage`. */
  private rowsWritten = 0;
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = countingWrites(ctx.storage.sql, (n) => (this.rowsWritten += n));
    this.createTables();
    this.parts = new Partitions(this.sql);
    this.db = { sql: this.sql, parts: this.parts, firsts: new FirstSuccesses(this.sql, this.parts) };
  }

  /** The one table that is not per day (the day tables are made on their first write). */
  private createTables(): void {
    this.sql.exec("CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, event_id TEXT NOT NULL, created_at TEXT NOT NULL) WITHOUT ROWID");
  }

  /**
   * Stores an event and one pending delivery per hook, or, for a key claimed within its window,
   * answers the event that claimed it (nothing is written). Never undone once answered.
   */
  async publish(input: PublishInput): Promise<PublishAnswer> {
    this.configure(input.meta);
    const { event } = input;
    const answer = this.ctx.storage.transactionSync((): PublishAnswer => {
      if (input.idempotency) {
        const first = this.claimed(input.idempotency.key, input.idempotency.liveAfter);
        if (first) return { repeated: true, ...first };
        this.sql.exec("INSERT OR REPLACE INTO idempotency (key, event_id, created_at) VALUES (?, ?, ?)", input.idempotency.key, event.id, event.createdAt);
      }
      writes.insertEvent(this.db, event, input.hookIds);
      return { repeated: false };
    });
    await this.armAlarm();
    return answer;
  }

  /**
   * A replay: new pending deliveries of a stored event to these hooks, answered as their ids (null:
   * no such event; "full": the event's delivery positions would run out). The day is read from this
   * event again by the alarm, so a replay whose message is lost is sent all the same.
   */
  async append(eventId: string, hookIds: string[]): Promise<string[] | null | "full"> {
    const positions = writes.appendDeliveries(this.db, eventId, hookIds, new Date().toISOString());
    if (positions === null || positions === "full") return positions;
    reopenedSince(this.ctx.storage.kv, eventId, parseLogId(eventId)!.ms);
    await this.armAlarm();
    return positions.map((p) => deliveryIdOf(eventId, p));
  }

  /**
   * One step of a window replay job (src/log/replay-window.ts): its appends and its progress are one
   * transaction, so a step repeated after a lost answer goes on from there and never appends twice.
   * The new deliveries are queued here; a lost message is sent by the alarm, as for `append`.
   */
  async replayWindow(spec: ReplayWindowSpec, shardLimit: number): Promise<ShardProgress> {
    const now = new Date().toISOString();
    const { progress, deliveryIds } = this.ctx.storage.transactionSync(() => {
      const step = replayStep(this.db, this.ctx.storage.kv, spec, shardLimit, now);
      for (const id of step.deliveryIds) reopenedSince(this.ctx.storage.kv, parseLogId(id)!.eventId, parseLogId(id)!.ms);
      return step;
    });
    if (deliveryIds.length === 0) return progress;
    await this.armAlarm();
    try {
      await enqueueDeliveries(this.env.DELIVERIES, deliveryIds.map((id) => ({ delivery_id: id, account_id: this.accountId() })));
    } catch (error) {
      log("error", "enqueueing a replay job's deliveries failed; the delivery log sends them again", { job_id: spec.jobId, error: errorDetail(error) });
      await this.unsent(deliveryIds);
    }
    return progress;
  }

  /** A replay job ended: its progress here is no longer needed. */
  forgetReplay(jobId: string): void {
    forgetReplay(this.ctx.storage.kv, jobId);
  }

  /** The event a live idempotency claim answers, if any. */
  claimed(key: string, liveAfter: string): { event: EventRow; deliveries: number } | null {
    const claim = this.sql.exec<{ event_id: string }>("SELECT event_id FROM idempotency WHERE key = ? AND created_at > ?", key, liveAfter).toArray()[0];
    const first = claim ? reads.findEvent(this.db, this.accountId(), claim.event_id) : null;
    return first ? { event: first.event, deliveries: first.deliveries.length } : null;
  }

  /**
   * Deliveries whose first message could not be queued: a token no message carries and that sorts
   * before every ULID makes the alarm, due a few seconds from now, send them at once.
   */
  async unsent(ids: string[]): Promise<void> {
    writes.updateDeliveries(this.db, ids, (d) => (d.s === "pending" && d.t === null ? ((d.t = UNSENT_TOKEN), true) : false));
    const due = Date.now() + UNSENT_RETRY_MS;
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > due) await this.ctx.storage.setAlarm(due);
    this.alarmArmed = true;
  }

  jobs(ids: string[]) {
    return reads.loadJobs(this.db, this.accountId(), ids);
  }

  /** A queue batch's outcomes; answers the deliveries whose record could not be written. */
  recordOutcomes(updates: DeliveryUpdate[], attempts: AttemptWrite[]): string[] {
    const now = new Date().toISOString();
    const dead: writes.WentDead[] = [];
    const refused = writes.recordOutcomes(this.db, updates, attempts, now, dead);
    this.announceDead(dead, now);
    return refused;
  }

  markDead(messages: Array<{ id: string; token: string | null }>): number {
    const now = new Date().toISOString();
    const dead: writes.WentDead[] = [];
    const marked = writes.markDead(this.db, messages, now, dead);
    this.announceDead(dead, now);
    return marked;
  }

  /** Deliveries just made dead, announced to their hooks' objects (src/log/dead-announcements.ts). */
  private announceDead(dead: writes.WentDead[], now: string): void {
    if (dead.length > 0 && keepAnnouncements(this.db, this.ctx.storage.kv, dead, now)) this.ctx.waitUntil(this.forwardDead());
  }

  private async forwardDead(): Promise<void> {
    await forwardAnnouncements(this.ctx.storage.kv, this.env.HOOK_STATE, this.accountId()).catch((error) =>
      log("error", "announcing dead deliveries to their hooks failed; the log's next alarm tries again", { error: errorDetail(error) }),
    );
  }

  /** Takes dead and skipped deliveries (`resend`: succeeded ones) back to pending for a manual attempt. */
  reopen(ids: string[], token: string, resend = false): string[] {
    const reopened = (resend ? writes.resend : writes.reopen)(this.db, ids, token, new Date().toISOString());
    for (const id of reopened) {
      const p = parseLogId(id)!;
      reopenedSince(this.ctx.storage.kv, p.eventId, p.ms);
    }
    return reopened;
  }

  restore(ids: string[], status: DeliveryStatus, token: string): void {
    writes.restore(this.db, ids, status, token, new Date().toISOString());
  }

  async insertGateRun(meta: LogMeta, run: GateRunRow): Promise<void> {
    this.configure(meta);
    writes.insertGateRun(this.db, run);
    await this.armAlarm();
  }

  event(id: string) {
    return reads.findEvent(this.db, this.accountId(), id);
  }

  events(filters: reads.EventFilters, limit: number, cursor?: string) {
    return reads.listEvents(this.db, this.accountId(), filters, limit, cursor);
  }

  delivery(id: string) {
    return reads.findDelivery(this.db, this.accountId(), id);
  }

  attempts(id: string) {
    return reads.listAttempts(this.db, id);
  }

  deliveries(filters: reads.DeliveryFilters, limit: number, cursor?: string) {
    return reads.listDeliveries(this.db, this.accountId(), filters, limit, cursor);
  }

  counts(since: string, hookIds?: string[]) {
    return reads.countDeliveries(this.db, since, hookIds);
  }

  recoverable(hookId: string, since: string, limit: number) {
    return reads.findRecoverable(this.db, hookId, since, limit);
  }

  gateRuns(workId: string, limit: number) {
    return reads.gateRunsByWork(this.db, workId, limit);
  }

  eventsByWork(workId: string, limit: number) {
    return reads.eventsByWork(this.db, this.accountId(), workId, limit);
  }

  /** The account's settings, kept for the alarm (stored only when they change). */
  configure(meta: LogMeta): void {
    const known = this.storedMeta();
    if (known && known.accountId === meta.accountId && known.shard === meta.shard && known.retentionDays === meta.retentionDays) return;
    this.ctx.storage.kv.put(META, meta);
    this.meta = meta;
  }

  /** The settings as stored, read once: only `configure` and `destroy` change them (every publish asks). */
  private storedMeta(): LogMeta | null {
    if (this.meta === undefined) this.meta = this.ctx.storage.kv.get<LogMeta>(META) ?? null;
    return this.meta;
  }

  /** Forgets everything: the account was deleted. */
  async destroy(): Promise<void> {
    this.db.firsts.discard();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.meta = undefined;
    this.parts.forget();
    this.alarmArmed = false;
    this.createTables();
  }

  override async alarm(): Promise<void> {
    await this.forwardDead();
    await this.upkeep(this.env);
  }

  /**
   * The alarm's work (src/log/upkeep.ts), sending through `queues` (the object's own bindings, or a
   * test's recording ones): drop what is past retention, re-send what stays open, arm the next run.
   * Throws when the re-send could not be queued (the runtime then retries the alarm).
   */
  async upkeep(queues: Pick<Env, "DELIVERIES">, now = Date.now()): Promise<number> {
    const meta = this.storedMeta();
    if (!meta) return 0;
    // The account was deleted and its deletion could not clear this object: clear it now (one D1 read per run).
    if (!(await findAccount(getDb(this.env.DB), meta.accountId))) {
      await this.destroy();
      return 0;
    }
    const graceMs = getConfig(this.env).SWEEP_GRACE_SECONDS * 1000;
    this.db.firsts.flush(); // the scan below must see every success the object knows of in storage
    purgeExpired(this.db, this.ctx.storage.kv, now, meta.retentionDays, IDEMPOTENCY_WINDOW_MS);
    const stale = claimStale(this.db, this.ctx.storage.kv, now, graceMs, RESEND_LIMIT);
    this.alarmArmed = false;
    if (this.parts.days().length > 0) {
      const next = stale.length >= RESEND_LIMIT ? 1000 : Math.min(graceMs, MAX_ALARM_INTERVAL_MS);
      await this.ctx.storage.setAlarm(now + next);
      this.alarmArmed = true;
    }
    if (stale.length === 0) return 0;
    try {
      await enqueueDeliveries(
        queues.DELIVERIES,
        stale.map((s) => ({ delivery_id: s.id, account_id: meta.accountId, token: s.token, ...(s.manual ? { manual: true } : {}) })),
      );
    } catch (error) {
      // No message carries their new token: one that sorts before every ULID makes the next run take them at once.
      writes.updateDeliveries(this.db, stale.map((s) => s.id), (d) => ((d.t = UNSENT_TOKEN), true));
      log("error", "re-sending deliveries failed", { error: errorDetail(error) });
      throw error;
    }
    log("warn", "deliveries re-sent by the delivery log's alarm", { count: stale.length });
    return stale.length;
  }

  /** One alarm at a time, set once (each setAlarm is a row written), then re-armed by itself. */
  private async armAlarm(): Promise<void> {
    if (this.alarmArmed) return;
    if ((await this.ctx.storage.getAlarm()) === null) {
      const graceMs = getConfig(this.env).SWEEP_GRACE_SECONDS * 1000;
      await this.ctx.storage.setAlarm(Date.now() + Math.min(graceMs, MAX_ALARM_INTERVAL_MS));
    }
    this.alarmArmed = true;
  }

  private accountId(): string {
    return this.storedMeta()?.accountId ?? "";
  }

  /**
   * Rows written since the object started (the bench's and the cost test's meter; reads are $0.001/M,
   * not counted), those of them the first successes' flushes wrote (one per second at most, whatever
   * was recorded meanwhile), and the bytes its SQLite database takes now. `flush`: write the first successes
   * kept in memory first (their row then counts), as the object does within a second anyway.
   */
  usage(flush = false): { rowsWritten: number; flushRows: number; databaseBytes: number } {
    if (flush) this.db.firsts.flush();
    return { rowsWritten: this.rowsWritten, flushRows: this.db.firsts.flushRows, databaseBytes: this.ctx.storage.sql.databaseSize };
  }
}

/** The object's SQL, adding up the rows each statement wrote (an index entry counts as a row). */
function countingWrites(sql: SqlStorage, add: (rows: number) => void): SqlStorage {
  return new Proxy(sql, {
    get(target, prop) {
      if (prop !== "exec") return Reflect.get(target, prop, target);
      return (query: string, ...bindings: unknown[]) => {
        const cursor = target.exec(query, ...bindings);
        if (/^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP)\b/i.test(query)) {
          cursor.toArray(); // a write runs to its end, and its count is final
          add(cursor.rowsWritten);
        }
        return cursor;
      };
    },
  });
}

const META = "meta";
/** How long an idempotency key answers its first event. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
/** Deliveries re-sent per alarm run (50 sendBatch calls); more wait a second for the next run. */
const RESEND_LIMIT = 5000;
/** The alarm runs at least hourly: retention is enforced within the hour. */
const MAX_ALARM_INTERVAL_MS = 3600 * 1000;
/** How soon the alarm sends deliveries whose first message could not be queued. */
const UNSENT_RETRY_MS = 5000;
/** Sorts before every ULID (see `claimStale`). */
const UNSENT_TOKEN = "0";

export interface LogMeta {
  accountId: string;
  shard: number;
  retentionDays: number;
}

export interface PublishInput {
  meta: LogMeta;
  event: EventRow;
  hookIds: string[];
  idempotency?: { key: string; liveAfter: string };
}

export type PublishAnswer = { repeated: false } | { repeated: true; event: EventRow; deliveries: number };

/** The log object of one account shard. */
export function logOf(ns: Env["DELIVERY_LOG"], accountId: string, shard: number): DurableObjectStub<DeliveryLog> {
  return ns.get(ns.idFromName(`${accountId}:${shard}`));
}
