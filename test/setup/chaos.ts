import type { ScriptedResponse } from "./scripted-response";

// A misbehaving receiver, shared by the fault-injection tests (test/delivery/chaos*.test.ts, through
// the test receiver's `chaos` script) and the bench (bench/lib/receiver.ts): at `rate`, a request is
// answered with one of the faults below, picked uniformly; otherwise with a plain 200.

export interface ChaosOptions {
  /** Share of requests answered with a fault, 0..1. */
  rate: number;
  /** How long a "slow" answer waits before its 200 (keep it under the router's delivery timeout). */
  slowMs: number;
  /**
   * At most this many failed answers in a row for one delivery (by `webhook-id`); then it gets a 200.
   * Lets a test with a short retry schedule demand that every delivery ends `succeeded`. Unset: no cap.
   */
  maxConsecutiveFailures?: number;
}

export type ChaosFault = "error_500" | "hang" | "reset" | "slow";
const CHAOS_FAULTS: readonly ChaosFault[] = ["error_500", "hang", "reset", "slow"];

function faultResponse(fault: ChaosFault, slowMs: number): ScriptedResponse {
  switch (fault) {
    case "error_500":
      return { status: 500, body: "chaos: internal error" };
    case "hang":
      return { hang: true };
    case "reset":
      return { reset: true };
    case "slow":
      return { status: 200, body: "ok (slowly)", delay_ms: slowMs };
  }
}

/** Decides each answer; remembers, per delivery, how many failed answers it got in a row. */
export class Chaos {
  private readonly streaks = new Map<string, number>();
  /** How many answers of each kind were given (`ok` included). */
  readonly tally: Record<ChaosFault | "ok", number> = { ok: 0, error_500: 0, hang: 0, reset: 0, slow: 0 };

  constructor(
    readonly options: ChaosOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The fault for this request, or null for a plain 200. */
  pick(deliveryKey: string | undefined): ChaosFault | null {
    const streak = deliveryKey ? (this.streaks.get(deliveryKey) ?? 0) : 0;
    const capped = this.options.maxConsecutiveFailures !== undefined && streak >= this.options.maxConsecutiveFailures;
    let fault: ChaosFault | null = null;
    if (!capped && this.random() < this.options.rate) fault = CHAOS_FAULTS[Math.floor(this.random() * CHAOS_FAULTS.length)]!;
    if (deliveryKey) {
      if (fault === null || fault === "slow") this.streaks.delete(deliveryKey);
      else this.streaks.set(deliveryKey, streak + 1);
    }
    this.tally[fault ?? "ok"]++;
    return fault;
  }

  /** The answer for this request as the test receiver scripts it. */
  respond(deliveryKey: string | undefined): ScriptedResponse {
    const fault = this.pick(deliveryKey);
    return fault === null ? { status: 200, body: "ok" } : faultResponse(fault, this.options.slowMs);
  }
}
