import { env } from "cloudflare:workers";
import { getDb } from "../../src/db/client";
import { eventWriteStatements } from "../../src/db/events";
import { newId } from "../../src/domain/ids";
import type { DeliveryMessage, Env } from "../../src/env";

// For tests that drive the queue consumer directly (createMessageBatch + getQueueResult).

export const QUEUE = "hookrouter-deliveries";
export const DLQ = "hookrouter-deliveries-dlq";
/** Stores an event and its deliveries as POST /v1/events does, without enqueueing them (the test drives the consumer). */
export async function storeEvent(accountId: string, hookIds: string[]): Promise<string[]> {
  const db = getDb(env.DB);
  const now = new Date().toISOString();
  const row = { id: newId("evt"), accountId, type: "t", payload: '{"k":1}', applications: null, workId: null, idempotencyKey: null, createdAt: now };
  const deliveries = hookIds.map((h): [string, string] => [newId("dlv"), h]);
  const writes = eventWriteStatements(db, { row, deliveries });
  await db.batch(writes as [(typeof writes)[0], ...typeof writes]);
  return deliveries.map(([id]) => id);
}

export function message(accountId: string, deliveryId: string, attempts = 1) {
  return { id: `msg-${deliveryId}`, timestamp: new Date(), attempts, body: { delivery_id: deliveryId, account_id: accountId } };
}

/** The real bindings, with the dead-letter queue's sends recorded on their way to the real queue. */
export function envRecordingDeadLetters(): { env: Env; deadLettered: DeliveryMessage[] } {
  const real = (env as unknown as Env).DEAD_LETTERS;
  const deadLettered: DeliveryMessage[] = [];
  const DEAD_LETTERS = {
    send: (body: DeliveryMessage, o?: QueueSendOptions) => (deadLettered.push(body), real.send(body, o)),
    sendBatch: (ms: Iterable<MessageSendRequest<DeliveryMessage>>, o?: QueueSendBatchOptions) => {
      const list = [...ms];
      deadLettered.push(...list.map((m) => m.body));
      return real.sendBatch(list, o);
    },
  } as Queue<DeliveryMessage>;
  return { env: { ...(env as unknown as Env), DEAD_LETTERS }, deadLettered };
}

