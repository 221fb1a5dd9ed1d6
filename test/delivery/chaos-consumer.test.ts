import { describe, expect, it } from "vitest";
import { newAccount } from "../helpers/api";
import { createHook, deliveriesOf, deliveryRequests, publish, settledDelivery } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// Fault injection, small: this project's consumer throws for a random 10% of its batches
// (CHAOS_CONSUMER_THROW_RATE=0.1), after the batch's requests went out and before any outcome is
// written or any message acknowledged; the real queue hands the batch out again. Nothing may be
// lost: every delivery ends `succeeded`. The receiver may see a delivery twice (at-least-once): a
// thrown batch's requests are sent again. (bench/phases/chaos.ts runs 1,000 events.)

const ROUND = 30;
/** Rounds until a throw has shown (as a duplicate): P(no throw in 12 rounds of ≥ 5 batches) < 0.1%. */
const MAX_ROUNDS = 12;

describe("a consumer that throws for some of its batches", () => {
  it("loses no delivery: all succeeded, each received, duplicates only from the thrown batches", async () => {
    const { key } = await newAccount();
    const rx = new Receiver();
    await createHook(key, { url: rx.url(), events: ["chaos.*"] });
    const deliveryIds: string[] = [];
    let duplicates = 0;
    let rounds = 0;
    while (rounds < MAX_ROUNDS && duplicates === 0) {
      rounds++;
      const events = await Promise.all(Array.from({ length: ROUND }, (_, i) => publish(key, { type: "chaos.test", payload: { i } })));
      const ids = (await Promise.all(events.map((e) => deliveriesOf(key, e.id)))).flat().map((d) => d.id);
      expect(ids).toHaveLength(ROUND);
      const settled = await Promise.all(ids.map((id) => settledDelivery(key, id, undefined, 60_000)));
      expect(settled.filter((d) => d.status !== "succeeded").map((d) => [d.id, d.status])).toEqual([]);
      deliveryIds.push(...ids);
      const requests = await deliveryRequests(rx);
      duplicates = requests.length - new Set(requests.map((r) => r.headers["webhook-id"])).size;
    }
    const requests = await deliveryRequests(rx);
    expect(new Set(requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set(deliveryIds));
    console.log(`chaos consumer: ${deliveryIds.length} deliveries in ${rounds} rounds, ${requests.length} requests, ${duplicates} duplicates`);
    // The injected throws happened (a thrown batch's sends are repeated), and cost no delivery.
    expect(duplicates).toBeGreaterThan(0);
  });
});
