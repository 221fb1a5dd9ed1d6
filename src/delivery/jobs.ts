import { inArray, eq, and, sql } from "drizzle-orm";
import { preparedOnce, type Db } from "../db/client";
import { hooks, slackConnections, type HookRow, type SlackConnectionRow } from "../db/schema";
import { logOf } from "../durable/delivery-log";
import { byLogObject } from "../domain/log-ids";
import type { Env } from "../env";
import type { AttemptWrite, DeliveryRow, DeliveryUpdate, EventRow } from "../log/records";

// The consumer's reads and writes of a queue batch: the deliveries and their events from the
// account shards' logs (one call per log object the batch touches), the hooks and a Slack hook's
// connection from D1 (one read), and the outcomes back to the logs (one call per log object).

/** A delivery with what it takes to send it; `hook` is null once the hook was deleted. */
export interface DeliveryJob {
  delivery: DeliveryRow;
  event: EventRow;
  hook: HookRow | null;
  /** The account's Slack connection, for a `slack` hook (null otherwise, or when none is connected). */
  slackConnection: SlackConnectionRow | null;
}

/** `preloaded`: deliveries and events the caller already has (not read from their log again). */
export async function loadDeliveryJobs(
  env: Env,
  db: Db,
  items: Array<{ accountId: string; id: string }>,
  preloaded?: Map<string, Pick<DeliveryJob, "delivery" | "event">>,
): Promise<Map<string, DeliveryJob>> {
  const logs = byLogObject(items.filter((i) => !preloaded?.has(i.id)));
  const found = [...(preloaded?.values() ?? []), ...(await Promise.all(logs.map((g) => logOf(env.DELIVERY_LOG, g.accountId, g.shard).jobs(g.items.map((i) => i.id))))).flat()];
  const out = new Map<string, DeliveryJob>();
  if (found.length === 0) return out;
  const hookIds = [...new Set(found.map((j) => j.delivery.hookId))];
  const rows = await hooksRead(db, hookIds.length).all(Object.fromEntries(hookIds.map((id, i) => [`h${i}`, id])));
  const byHook = new Map(rows.map((r) => [r.hook.id, r]));
  for (const j of found) {
    const h = byHook.get(j.delivery.hookId);
    // A hook of another account never serves a delivery (ids are the accounts' own, but be sure).
    const hook = h && h.hook.accountId === j.delivery.accountId ? h : undefined;
    out.set(j.delivery.id, { ...j, hook: hook?.hook ?? null, slackConnection: hook?.slackConnection ?? null });
  }
  return out;
}

/**
 * The read of `count` hooks with a Slack hook's connection (placeholders h0…): every attempt makes
 * it, so it is built once per client and count (a queue batch has at most 100).
 */
function hooksRead(db: Db, count: number) {
  return preparedOnce(db, `hooks-with-connection-${count}`, () =>
    db
      .select({ hook: hooks, slackConnection: slackConnections })
      .from(hooks)
      .leftJoin(slackConnections, and(eq(hooks.kind, "slack"), eq(slackConnections.accountId, hooks.accountId)))
      .where(inArray(hooks.id, Array.from({ length: count }, (_, i) => sql.placeholder(`h${i}`))))
      .prepare(),
  );
}

/**
 * Writes a batch's outcomes to their logs, all log objects at once. Answers the ids whose outcome
 * was not recorded (their log refused or could not be reached): their messages come back.
 */
export async function recordOutcomes(env: Env, accountOf: Map<string, string>, updates: DeliveryUpdate[], attempts: AttemptWrite[]): Promise<Set<string>> {
  const groups = byLogObject(updates.map((u) => ({ accountId: accountOf.get(u.id) ?? "", id: u.id })));
  const failed = new Set<string>();
  await Promise.all(
    groups.map(async (g) => {
      const ids = new Set(g.items.map((i) => i.id));
      try {
        const refused = await logOf(env.DELIVERY_LOG, g.accountId, g.shard).recordOutcomes(
          updates.filter((u) => ids.has(u.id)),
          attempts.filter((a) => ids.has(a.deliveryId)),
        );
        for (const id of refused) failed.add(id);
      } catch {
        for (const id of ids) failed.add(id);
      }
    }),
  );
  return failed;
}
