import { getDb, nowIso } from "../db/client";
import { markDeadLettered } from "../db/deliveries";
import type { DeliveryMessage, Env } from "../env";
import { log } from "../observability/log";

/**
 * The dead-letter queue's consumer. A message arrives here either from the delivery consumer, which
 * has already marked its delivery `dead`, or from the queue itself after `max_retries` (the consumer
 * kept crashing before it could record anything): then this is what marks the delivery `dead`, so no
 * delivery stays `pending` or `failed` forever. One statement per batch; if it fails, the whole batch
 * is retried by the queue.
 */
export async function handleDeadLetterBatch(batch: MessageBatch<DeliveryMessage>, env: Env): Promise<void> {
  const messages = batch.messages
    .filter((m) => typeof m.body?.delivery_id === "string")
    .map((m) => ({ id: m.body.delivery_id, token: typeof m.body.token === "string" ? m.body.token : null }));
  const marked = await markDeadLettered(getDb(env.DB), messages, nowIso());
  if (marked > 0) log("warn", "deliveries marked dead from the dead-letter queue", { count: marked });
  batch.ackAll();
}
