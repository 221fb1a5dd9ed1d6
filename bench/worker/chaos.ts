// Fault injection for the fault-injection suite (test/delivery/chaos-consumer.test.ts) and the bench
// (bench/phases/chaos.ts): with CHAOS_CONSUMER_THROW_RATE above 0, the bench's entry point (./index.ts)
// has the queue consumer throw for that share of its batches at the worst moment — after the batch's
// requests went out, before any outcome is written or any message acknowledged — so the queue hands
// the whole batch out again. The production Worker has no such switch.

export class InjectedConsumerFault extends Error {
  constructor(rate: number) {
    super(`injected consumer fault (CHAOS_CONSUMER_THROW_RATE=${rate})`);
    this.name = "InjectedConsumerFault";
  }
}

/** Throws for a random `rate` share of calls; does nothing when it is 0. */
export function injectConsumerFault(rate: number, random: () => number = Math.random): void {
  if (rate > 0 && random() < rate) throw new InjectedConsumerFault(rate);
}
