import { getDb, type Db } from "../db/client";
import { hookHealthStatement } from "../db/hook-health";
import type { HookRow } from "../db/schema";
import { crashRetryDelay, isSettled, verdictAfterAttempt, verdictWhenGivingUp, type Verdict } from "../domain/delivery-verdict";
import { retryScheduleOf } from "../domain/delivery-policy";
import { healthAfterAttempt, type HealthChange, type HookHealth } from "../domain/hook-health";
import { getConfig, type Config, type DeliveryMessage, type Env } from "../env";
import { admitDelivery, postpone, reportAttempts, tryNumber } from "./admission";
import { ConnectionSlots, OUTGOING_CONNECTIONS } from "./connection-slots";
import { handleDeadLetterBatch } from "./dead-letters";
import { effectStatements } from "./send-effects";
import type { SendResult } from "./http-sender";
import { sendDelivery, type SendContext } from "./send";
import { errorDetail, log, redactMessage } from "../observability/log";
import type { AttemptWrite, DeliveryUpdate } from "../log/records";
import { loadDeliveryJobs, recordOutcomes, type DeliveryJob } from "./jobs";
import { advanceLines, holdForTurn, lineTurnOf, type Recorded } from "./fifo";

// The queue consumer: one message per delivery. Per queue batch it costs one D1 read (deliveries
// joined to their events, hooks and a Slack hook's connection), one D1 write batch (all attempts in
// one statement, all delivery updates in another, plus a hook update only when a hook's health
// changes), and one call to the Durable Object of each hook it attempted (the batch's outcomes).
//
// At-least-once: every message is acknowledged or retried explicitly, and only once its outcome is
// in D1. An exception while handling one message retries that message alone; an exception that
// escapes (or a crash of the isolate) leaves the unacknowledged messages to the queue, which hands
// them out again; processing is idempotent (a settled delivery is not sent again). A message lost
// before it reached the queue is sent again by the sweep (./sweeper.ts); the delivery's message
// token then tells the old message, should it turn up after all, from the new one.

const DEAD_LETTER_QUEUE_SUFFIX = "-dlq";
/** A second message for a delivery already in this batch waits for the first one's outcome. */
const DUPLICATE_DELAY_SECONDS = 1;

/** The Worker's `queue` handler: deliveries, and their dead-letter queue. */
export async function queue(batch: MessageBatch<DeliveryMessage>, env: Env): Promise<void> {
  if (batch.queue.endsWith(DEAD_LETTER_QUEUE_SUFFIX)) return handleDeadLetterBatch(batch, env);
  return handleDeliveryBatch(batch, env);
}

type Outcome =
  | { kind: "ignored"; why: string }
  | { kind: "skipped" }
  /**
   * `probe`: the one probe of an open breaker, as the hook's Durable Object admitted it. `answered`:
   * the order in which the batch's answers came back, the receiver's own order (start times tie).
   */
  | { kind: "attempted"; at: string; result: SendResult; probe: boolean; answered: number }
  /** Not sent now, and not an attempt: the message comes back after the delay (rate limit, breaker). */
  | { kind: "postponed"; delaySeconds: number }
  | { kind: "crashed"; error: unknown };

interface Handled {
  message: Message<DeliveryMessage>;
  job: DeliveryJob | undefined;
  outcome: Outcome;
}

/**
 * `preloaded`: the deliveries and their events when the caller has them (the publishing Worker's
 * first attempt, ./first-attempt.ts): then only the hooks are read.
 */
export async function handleDeliveryBatch(batch: MessageBatch<DeliveryMessage>, env: Env, preloaded?: Map<string, Pick<DeliveryJob, "delivery" | "event">>): Promise<void> {
  const config = getConfig(env);
  const db = getDb(env.DB);
  const now = new Date();

  const byDelivery = new Map<string, Message<DeliveryMessage>>();
  for (const m of batch.messages) {
    if (!isDeliveryMessage(m.body)) {
      log("error", "malformed delivery message dropped", { body: m.body });
      m.ack();
    } else if (byDelivery.has(m.body.delivery_id)) m.retry({ delaySeconds: DUPLICATE_DELAY_SECONDS });
    else byDelivery.set(m.body.delivery_id, m);
  }
  if (byDelivery.size === 0) return;

  let jobs: Map<string, DeliveryJob>;
  try {
    jobs = await loadDeliveryJobs(env, db, [...byDelivery.values()].map((m) => ({ accountId: m.body.account_id, id: m.body.delivery_id })), preloaded);
  } catch (error) {
    logCrash("loading the batch failed", error);
    for (const m of byDelivery.values()) retryAfterCrash(m, config);
    return;
  }
  // FIFO hooks (./fifo.ts): a message without its turn joins the hook's line instead of being sent.
  await holdForTurn(env, byDelivery, jobs);

  const ctx: SendContext = { db, config, now, connections: new ConnectionSlots(OUTGOING_CONNECTIONS) };
  let answers = 0;
  const nextAnswer = () => answers++;
  const handled = await Promise.all(
    [...byDelivery.values()].map(async (message): Promise<Handled> => {
      const job = jobs.get(message.body.delivery_id);
      try {
        return { message, job, outcome: await handleOne(ctx, env.HOOK_STATE, message, job, nextAnswer) };
      } catch (error) {
        return { message, job, outcome: { kind: "crashed", error } };
      }
    }),
  );
  const health = await reportHookHealth(env.HOOK_STATE, handled);
  env.afterBatchSends?.(); // unset in production: the bench's entry point injects faults here (src/env.ts)
  const recorded = await settle(db, env, config, now, handled, health);
  // FIFO hooks: the heads that ended hand their turn on; the next ones are attempted here (./fifo.ts).
  await advanceLines(env, handled, recorded, (next) => handleDeliveryBatch(next, env));
}

/** Decide and (maybe) send one delivery. Throws only on an unexpected failure (→ "crashed"). */
async function handleOne(ctx: SendContext, hookStates: Env["HOOK_STATE"], message: Message<DeliveryMessage>, job: DeliveryJob | undefined, nextAnswer: () => number): Promise<Outcome> {
  // Gone: the publish that created it was rolled back (the queue refused part of its messages).
  if (!job) return { kind: "ignored", why: "no such delivery" };
  // Replaced by a newer message (a sweep took this one for lost, or a manual retry reopened the
  // delivery): that one carries the row's token and is the only one acted on. Checked before the
  // hook's Durable Object is asked, so a stale message takes no rate-limit token either.
  if ((message.body.token ?? null) !== job.delivery.messageToken) return { kind: "ignored", why: "superseded by a newer message" };
  if (isSettled(job.delivery.status, message.body.manual === true)) return { kind: "ignored", why: `already ${job.delivery.status}` };
  const hook = job.hook;
  if (!hook || !hook.enabled || hook.state === "deactivated" || hook.phase !== "post") return { kind: "skipped" };
  // The hook's Durable Object: rate limit and circuit breaker (no call for a healthy, unlimited hook).
  const gate = await admitDelivery(hookStates, hook, Math.random, lineTurnOf(message.body));
  if (gate.action === "drop") return { kind: "ignored", why: "not its turn in the hook's line" };
  if (gate.action === "postpone") return { kind: "postponed", delaySeconds: gate.delaySeconds };
  const at = new Date().toISOString();
  const result = await sendDelivery(ctx, hook, job.event, job.delivery.id, job.slackConnection);
  return { kind: "attempted", at, result, probe: gate.probe, answered: nextAnswer() };
}

/** A hook's attempts in this batch, in the order they were made, and what its Durable Object made of them. */
interface HookAttempts {
  hook: HookRow;
  results: SendResult[];
  /** Null when the object could not be reached: the row's own record decides (HookHealthTracker). */
  decided: HealthChange | null;
}

/** One report per hook that had attempts in the batch, all hooks at once (see admission.ts). */
async function reportHookHealth(hookStates: Env["HOOK_STATE"], handled: Handled[]): Promise<HookAttempts[]> {
  const byHook = new Map<string, { hook: HookRow; attempts: Array<{ result: SendResult; probe: boolean; answered: number }> }>();
  for (const { job, outcome } of handled) {
    // A final failure (a transformation) sent nothing: it says nothing of the receiver's health.
    if (outcome.kind !== "attempted" || outcome.result.final) continue;
    const hook = job!.hook!;
    let entry = byHook.get(hook.id);
    if (!entry) byHook.set(hook.id, (entry = { hook, attempts: [] }));
    entry.attempts.push(outcome);
  }
  return Promise.all(
    [...byHook.values()].map(async ({ hook, attempts }) => {
      attempts.sort((a, b) => a.answered - b.answered);
      const results = attempts.map((a) => a.result);
      const reported = attempts.map((a) => ({ ok: a.result.ok, status: a.result.status, probe: a.probe }));
      return { hook, results, decided: await reportAttempts(hookStates, hook, reported) };
    }),
  );
}

/** Writes every outcome of the batch in one D1 batch, then acknowledges or retries each message. */
async function settle(db: Db, env: Env, config: Config, now: Date, handled: Handled[], hookAttempts: HookAttempts[]): Promise<Recorded> {
  const nowIso = now.toISOString();
  const attempts: AttemptWrite[] = [];
  const updates: DeliveryUpdate[] = [];
  const health = new HookHealthTracker(db, config, now);
  const deadLetters: DeliveryMessage[] = [];
  /** Acknowledged or retried once the batch's writes are in D1. */
  const afterWrite: Array<{ message: Message<DeliveryMessage>; done: () => void }> = [];
  const postponed: Array<{ message: Message<DeliveryMessage>; delaySeconds: number }> = [];

  const record = (h: Handled, job: DeliveryJob, verdict: Verdict, attempt: Omit<AttemptWrite, "deliveryId">) => {
    attempts.push({ deliveryId: job.delivery.id, ...attempt });
    updates.push({ id: job.delivery.id, status: verdict.status, attemptsAdded: 1, lastAttemptAt: attempt.at, nextAttemptAt: verdict.nextAttemptAt });
    if (verdict.deadLetter) deadLetters.push(h.message.body);
    const done = () => (verdict.retryDelaySeconds === null ? h.message.ack() : h.message.retry({ delaySeconds: verdict.retryDelaySeconds }));
    afterWrite.push({ message: h.message, done });
  };

  for (const h of handled) {
    const { message, job, outcome } = h;
    const manual = message.body.manual === true;
    switch (outcome.kind) {
      case "ignored":
        message.ack();
        break;
      case "postponed":
        postponed.push({ message, delaySeconds: outcome.delaySeconds });
        break;
      case "skipped":
        updates.push({ id: job!.delivery.id, status: "skipped", attemptsAdded: 0, lastAttemptAt: null, nextAttemptAt: null });
        afterWrite.push({ message, done: () => message.ack() });
        break;
      case "attempted": {
        const { result } = outcome;
        const verdict = verdictAfterAttempt({
          before: job!.delivery,
          manual,
          queueAttempt: tryNumber(message),
          result,
          schedule: retryScheduleOf(job!.hook!, config),
          finalStatuses: job!.hook!.finalStatuses,
          now,
          random: Math.random(),
        });
        record(h, job!, verdict, {
          at: outcome.at,
          responseStatus: result.status,
          responseBody: result.body,
          error: result.error,
          durationMs: result.durationMs,
        });
        break;
      }
      case "crashed": {
        logCrash(`delivery ${message.body.delivery_id} failed`, outcome.error);
        if (!job || crashRetryDelay(config.RETRY_SCHEDULE, tryNumber(message)) !== null) {
          retryAfterCrash(message, config);
          break;
        }
        // It failed on every try the schedule allows: give up, and say why in the attempt log.
        record(h, job, verdictWhenGivingUp(job.delivery, manual), {
          at: nowIso,
          responseStatus: null,
          responseBody: null,
          error: `not sent: hookrouter failed to process this delivery ${tryNumber(message)} times (${errorText(outcome.error)})`,
          durationMs: 0,
        });
        break;
      }
    }
  }

  for (const h of hookAttempts) health.observe(h);
  await postpone(env.DELIVERIES, postponed);
  // Outcomes to the delivery logs, one call per log object; a delivery whose outcome was not recorded
  // comes back (its receiver may see the attempt twice, which `webhook-id` lets it recognise).
  const accountOf = new Map(handled.map((h) => [h.message.body.delivery_id, h.message.body.account_id]));
  const unrecorded = updates.length > 0 ? await recordOutcomes(env, accountOf, updates, attempts) : new Set<string>();
  if (unrecorded.size > 0) logCrash("recording outcomes failed", new Error(`${unrecorded.size} deliveries not recorded`));
  // Hook health and what sends found out (a dead Slack token) to D1: management data, written only
  // when something changed. Should it fail, the hook's Durable Object still holds the failure record
  // (the next batch's report mirrors it again), and the next send finds the token dead again.
  const effects = handled.flatMap((h) => (h.outcome.kind === "attempted" ? (h.outcome.result.effects ?? []) : []));
  const statements = [...health.statements(), ...effectStatements(db, effects, nowIso)];
  if (statements.length > 0) {
    await db.batch(statements as [(typeof statements)[0], ...typeof statements]).catch((error) => logCrash("recording hook health failed", error));
  }
  if (deadLetters.length > 0) {
    // The row already says `dead`; the dead-letter copy is for operators, so a failure here is logged.
    await env.DEAD_LETTERS.sendBatch(deadLetters.map((body) => ({ body }))).catch((error) => logCrash("dead-letter send failed", error));
  }
  for (const { message, done } of afterWrite) {
    if (unrecorded.has(message.body.delivery_id)) retryAfterCrash(message, config);
    else done();
  }
  return { updates, unrecorded };
}

/**
 * Hook health across one batch: what the hook's Durable Object answered for the batch's attempts, or
 * (when it could not be reached) the attempts applied in order to the row's failure record; each
 * change becomes one conditional hook update (none when nothing changes).
 */
class HookHealthTracker {
  private readonly pending: ReturnType<typeof hookHealthStatement>[] = [];
  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly now: Date,
  ) {}

  observe({ hook, results, decided }: HookAttempts): void {
    if (!hook.enabled) return;
    if (decided) return this.add(hook.id, decided);
    const h: HookHealth = { failingSince: hook.failingSince };
    for (const result of results) {
      const change = healthAfterAttempt(h, result, this.now, this.config.AUTO_DISABLE_AFTER_SECONDS);
      this.add(hook.id, change);
      if (change.kind === "disable") return;
      if (change.kind === "started_failing") h.failingSince = change.at;
      if (change.kind === "recovered") h.failingSince = null;
    }
  }

  private add(hookId: string, change: HealthChange): void {
    this.pending.push(hookHealthStatement(this.db, hookId, change, this.now.toISOString()));
  }

  statements() {
    return this.pending.filter((s): s is NonNullable<typeof s> => s !== null);
  }
}

function retryAfterCrash(message: Message<DeliveryMessage>, config: Config): void {
  // Past the schedule (and D1 unavailable to record a verdict), keep the last wait: the queue's own
  // max_retries then moves it to the dead-letter queue, whose consumer marks the delivery dead.
  const delay = crashRetryDelay(config.RETRY_SCHEDULE, tryNumber(message)) ?? config.RETRY_SCHEDULE[config.RETRY_SCHEDULE.length - 1] ?? 0;
  message.retry({ delaySeconds: delay });
}

function isDeliveryMessage(body: unknown): body is DeliveryMessage {
  if (typeof body !== "object" || body === null) return false;
  const m = body as DeliveryMessage;
  return typeof m.delivery_id === "string" && (m.token === undefined || typeof m.token === "string") && (m.hook_id === undefined || typeof m.hook_id === "string");
}

/** Recorded in the attempt log, which the account reads: redacted like a log line (no bound values). */
function errorText(error: unknown): string {
  return error instanceof Error ? redactMessage(error.message) : String(error);
}

function logCrash(message: string, error: unknown): void {
  log("error", message, { error: errorDetail(error) });
}
