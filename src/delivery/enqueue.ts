import type { DeliveryMessage } from "../env";

/** Cloudflare Queues takes at most 100 messages (and 256 KB) per sendBatch call. */
const SEND_BATCH_LIMIT = 100;
/** sendBatch calls in flight at once: the Workers limit of simultaneous outgoing connections. */
const PARALLEL_SENDS = 6;

/** One queue message per delivery, in as few sendBatch calls as the queue allows. */
export async function enqueueDeliveries(queue: Queue<DeliveryMessage>, messages: DeliveryMessage[]): Promise<void> {
  const chunks: DeliveryMessage[][] = [];
  for (let i = 0; i < messages.length; i += SEND_BATCH_LIMIT) chunks.push(messages.slice(i, i + SEND_BATCH_LIMIT));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      await queue.sendBatch(chunk.map((body) => ({ body, contentType: "json" as const })));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_SENDS, chunks.length) }, worker));
}
