import type { DeliveryMessage } from "../env";

// Messages as the queue consumer sees them, for tries made outside the queue: the publishing Worker's
// first attempts (./first-attempt.ts) and a FIFO hook's next heads attempted by the invocation that
// moved its line on (./fifo.ts).

/** A message the consumer's code handed back for a retry: due at `dueAt`. */
export interface Retry {
  message: MessageSendRequest<DeliveryMessage>;
  dueAt: number;
}

/**
 * A message as the consumer sees it, for a try made outside the queue (the tries before it carried
 * in `tries_before`). `retry` (a failed attempt, a crash) hands the message back with its delay and
 * the try it used; the consumer's own postponements queue their copies themselves (admission.ts
 * `postpone`).
 */
export function inProcessMessage(body: DeliveryMessage, later: Retry[], settled: Set<string>, id = `in-process-${body.delivery_id}-${body.tries_before ?? 0}`, timestamp = new Date()): Message<DeliveryMessage> {
  return {
    id,
    timestamp,
    attempts: 1,
    body,
    ack: () => settled.add(id),
    retry: (options?: QueueRetryOptions) => {
      settled.add(id);
      const delaySeconds = options?.delaySeconds ?? 0;
      later.push({ message: { body: { ...body, tries_before: (body.tries_before ?? 0) + 1 }, contentType: "json" }, dueAt: Date.now() + delaySeconds * 1000 });
    },
  };
}
