import { env } from "cloudflare:workers";
import { deliveryIdOf, newLogId } from "../../src/domain/log-ids";
import type { DeliveryMessage, Env } from "../../src/env";
import { logShard } from "./log";

// For tests that drive the queue consumer directly (createMessageBatch + getQueueResult).

export const QUEUE = "hookrouter-deliveries";
export const DLQ = "hookrouter-deliveries-dlq";
/**
 * Stores an event and its deliveries as POST /v1/events does, without enqueueing them (the test drives
 * the consumer); made at `atMs` (ids and created_at), by default now.
 */
export async function storeEvent(accountId: string, hookIds: string[], atMs = Date.now()): Promise<string[]> {
  const event = { id: newLogId("evt", 0, atMs), accountId, type: "t", payload: '{"k":1}', applications: null, workId: null, idempotencyKey: null, createdAt: new Date(atMs).toISOString() };
  await logShard(accountId).publish({ meta: { accountId, shard: 0, retentionDays: 30 }, event, hookIds });
  return hookIds.map((_, i) => deliveryIdOf(event.id, i));
}

export function message(accountId: string, deliveryId: string, attempts = 1, extra: Partial<DeliveryMessage> = {}) {
  return { id: `msg-${deliveryId}`, timestamp: new Date(), attempts, body: { delivery_id: deliveryId, account_id: accountId, ...extra } };
}

/** What a recording queue does with a send once recorded: pass it on to the real queue, keep it back, or refuse it. */
type SendFate = "pass on" | "keep" | "refuse";

/** A queue whose sends are recorded, then passed on to the real queue, kept back or refused (thrown, as an unavailable queue does). */
function recordingQueue(real: Queue<DeliveryMessage>, record: (sent: RecordedSend) => void, fate: SendFate): Queue<DeliveryMessage> {
  const after = async (pass: () => Promise<unknown>) => {
    if (fate === "refuse") throw new Error("queue unavailable (a test's refusing queue)");
    if (fate === "pass on") await pass();
  };
  return {
    send: async (body: DeliveryMessage, o?: QueueSendOptions) => {
      record({ body, delaySeconds: o?.delaySeconds });
      await after(() => real.send(body, o));
    },
    sendBatch: async (ms: Iterable<MessageSendRequest<DeliveryMessage>>, o?: QueueSendBatchOptions) => {
      const list = [...ms];
      for (const m of list) record({ body: m.body, delaySeconds: m.delaySeconds ?? o?.delaySeconds });
      await after(() => real.sendBatch(list, o));
    },
  } as unknown as Queue<DeliveryMessage>;
}

export interface RecordedSend {
  body: DeliveryMessage;
  delaySeconds?: number;
}

/** The real bindings, with the dead-letter queue's sends recorded on their way to the real queue. */
export function envRecordingDeadLetters(): { env: Env; deadLettered: DeliveryMessage[] } {
  const deadLettered: DeliveryMessage[] = [];
  const DEAD_LETTERS = recordingQueue((env as unknown as Env).DEAD_LETTERS, (s) => deadLettered.push(s.body), "pass on");
  return { env: { ...(env as unknown as Env), DEAD_LETTERS }, deadLettered };
}

/**
 * The real bindings, with the delivery queue's sends recorded, and passed on to it unless `passOn` is
 * false; with `passOn` "refuse", every send throws after being recorded (the queue is unavailable).
 */
export function envRecordingDeliveries(passOn: boolean | "refuse" = true): { env: Env; sent: RecordedSend[] } {
  const sent: RecordedSend[] = [];
  const fate: SendFate = passOn === "refuse" ? "refuse" : passOn ? "pass on" : "keep";
  const DELIVERIES = recordingQueue((env as unknown as Env).DELIVERIES, (s) => sent.push(s), fate);
  return { env: { ...(env as unknown as Env), DELIVERIES }, sent };
}

