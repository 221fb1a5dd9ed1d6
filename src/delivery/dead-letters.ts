import { logOf } from "../durable/delivery-log";
import { parseLogId } from "../domain/log-ids";
import type { DeliveryMessage, Env } from "../env";
import { log } from "../observability/log";

/**
 * The dead-letter queue's consumer. A message arrives here either from the delivery consumer, which
 * has already marked its delivery `dead`, or from the queue itself after `max_retries` (the consumer
 * kept crashing before it could record anything): then this is what marks the delivery `dead`, so no
 * delivery stays `pending` or `failed` forever. One call per log object the batch touches; if one
 * fails, the whole batch is retried by the queue (marking is idempotent).
 */
export async function handleDeadLetterBatch(batch: MessageBatch<DeliveryMessage>, env: Env): Promise<void> {
  const logs = new Map<string, { accountId: string; shard: number; messages: Array<{ id: string; token: string | null }> }>();
  for (const m of batch.messages) {
    const id = parseLogId(typeof m.body?.delivery_id === "string" ? m.body.delivery_id : "");
    if (!id || id.kind !== "dlv" || typeof m.body.account_id !== "string") continue;
    const key = `${m.body.account_id}:${id.shard}`;
    let g = logs.get(key);
    if (!g) logs.set(key, (g = { accountId: m.body.account_id, shard: id.shard, messages: [] }));
    g.messages.push({ id: m.body.delivery_id, token: typeof m.body.token === "string" ? m.body.token : null });
  }
  const marked = await Promise.all([...logs.values()].map((g) => logOf(env.DELIVERY_LOG, g.accountId, g.shard).markDead(g.messages)));
  const total = marked.reduce((a, b) => a + b, 0);
  if (total > 0) log("warn", "deliveries marked dead from the dead-letter queue", { count: total });
  batch.ackAll();
}
