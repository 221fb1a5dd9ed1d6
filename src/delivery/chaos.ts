import type { Config } from "../env";

// Fault injection for the fault-injection suite (test/delivery/chaos-consumer.test.ts) and the bench
// (bench/phases/chaos.ts): with CHAOS_CONSUMER_THROW_RATE above 0, the queue consumer throws for that
// share of its batches at the worst moment — after the batch's requests went out, before any outcome
// is written or any message acknowledged — so the queue hands the whole batch out again. Inert by
// default (the rate is 0 unless the var is set), and never set in wrangler.toml.

export class InjectedConsumerFault extends Error {
  constructor(rate: number) {
    super(`injected consumer fault (CHAOS_CONSUMER_THROW_RATE=${rate})`);
    this.name = "InjectedConsumerFault";
  }
}

/** Throws for a random `CHAOS_CONSUMER_THROW_RATE` share of calls; does nothing when it is 0. */
export function injectConsumerFault(config: Config, random: () => number = Math.random): void {
  const rate = config.CHAOS_CONSUMER_THROW_RATE;
  if (rate > 0 && random() < rate) throw new InjectedConsumerFault(rate);
}
