import { logOf } from "../durable/delivery-log";
import { byLogObject } from "../domain/log-ids";
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
  const messages = batch.messages
    .filter((m) => typeof m.body?.delivery_id === "string" && typeof m.body.account_id === "string")
    .map((m) => ({ accountId: m.body.account_id, id: m.body.delivery_id, token: typeof m.body.token === "string" ? m.body.token : null }));
  const marked = await Promise.all(
    byLogObject(messages).map((g) => logOf(env.DELIVERY_LOG, g.accountId, g.shard).markDead(g.items.map(({ id, token }) => ({ id, token })))),
  );
  const total = marked.reduce((a, b) => a + b, 0);
  if (total > 0) log("warn", "deliveries marked dead from the dead-letter queue", { count: total });
  batch.ackAll();
}
