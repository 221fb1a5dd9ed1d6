import { getDb } from "../db/client";
import { claimStalledDeliveries, releaseStalledClaim } from "../db/stalled-deliveries";
import { ulid, ulidTime } from "../domain/ids";
import { getConfig, type DeliveryMessage, type Env } from "../env";
import { enqueueDeliveries, SEND_BATCH_LIMIT } from "./enqueue";
import { log } from "../observability/log";

// At-least-once for a delivery whose queue message never went out: the publish (or a manual
// requeue) committed the delivery to D1 and the Worker stopped before `sendBatch` (an evicted
// isolate, a cancelled request). Nothing else would ever look at it: it would stay `pending`, and an
// idempotent repeat of the publish would answer 202 for it.
//
// The cron sweep (wrangler.toml [triggers]) takes every delivery created in the last 24 hours that
// is still `pending` SWEEP_GRACE_SECONDS after its message was sent, gives it a new message token
// and sends it a message carrying that token. The old message may not be lost at all, only late (a
// backlogged queue, a rate-limited hook whose messages its Durable Object keeps postponing): the
// consumer drops a message whose token is not the row's, so whichever arrives, the delivery is
// attempted by one message chain only. A delivery swept once is swept again only when its new
// message, too, is older than the grace.
//
// Cost: D1 bills rows read, and the sweep walks the primary key over the window: about
// (24 h - grace) / cron interval reads per delivery (23 with the hourly cron), and one row written
// and one queue message per delivery it sends again (none in normal operation).

/** Deliveries created this long ago or less are swept; older ones are out of the sweep's reach. */
export const SWEEP_WINDOW_MS = 24 * 3600 * 1000;
/**
 * Pages per run: 2 subrequests each (one D1 statement, one sendBatch), 400 in all, within the 1,000
 * a Worker invocation may make; 20,000 deliveries per run (two whole maximal fan-outs). The rest
 * waits for the next run.
 */
export const MAX_PAGES_PER_RUN = 200;

export interface SweepResult {
  requeued: number;
}

export async function sweepStalledDeliveries(env: Env): Promise<SweepResult> {
  const config = getConfig(env);
  const db = getDb(env.DB);
  const now = Date.now();
  const graceBegan = ulidTime(now - config.SWEEP_GRACE_SECONDS * 1000);
  const range = { afterId: `dlv_${ulidTime(now - SWEEP_WINDOW_MS)}`, beforeId: `dlv_${graceBegan}`, sentBefore: graceBegan };
  let requeued = 0;
  for (let page = 0; page < MAX_PAGES_PER_RUN; page++) {
    // A token per page: ULIDs, so its time says when this message was sent (see `sentBefore`).
    const token = ulid();
    const claimed = await claimStalledDeliveries(db, range, token, new Date().toISOString(), SEND_BATCH_LIMIT);
    if (claimed.length === 0) break;
    // A delivery with attempts that is `pending` again was reopened by a manual retry or recover
    // whose message was lost: its replacement is manual too (one attempt, as the user asked).
    const messages = claimed.map((d): DeliveryMessage => ({ delivery_id: d.id, account_id: d.accountId, token, ...(d.attempts > 0 ? { manual: true } : {}) }));
    try {
      await enqueueDeliveries(env.DELIVERIES, messages); // one page: one sendBatch call
    } catch (error) {
      await releaseStalledClaim(db, claimed.map((d) => d.id), token).catch(() => undefined);
      throw error;
    }
    requeued += claimed.length;
    if (claimed.length < SEND_BATCH_LIMIT) break;
    range.afterId = claimed.reduce((max, d) => (d.id > max ? d.id : max), range.afterId);
  }
  if (requeued > 0) log("warn", "stalled deliveries sent again", { count: requeued });
  return { requeued };
}
