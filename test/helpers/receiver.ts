import { inject } from "vitest";
import type { ChaosOptions, ChaosFault } from "../setup/chaos";
import type { ScriptedResponse } from "../setup/scripted-response";

export interface ReceivedRequest {
  at: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A namespace on the shared test receiver: its own URL, script and request log. */
export class Receiver {
  readonly base: string;
  constructor(readonly ns: string = crypto.randomUUID()) {
    this.base = `http://127.0.0.1:${inject("receiverPort")}`;
  }

  /** URL a hook should deliver to. */
  url(path = ""): string {
    return `${this.base}/r/${this.ns}${path}`;
  }

  /** Answer these responses in order, then `fallback` (default 200 "ok"). */
  async script(responses: ScriptedResponse[], fallback?: ScriptedResponse): Promise<void> {
    const res = await fetch(`${this.base}/_control/script/${this.ns}`, { method: "PUT", body: JSON.stringify({ responses, fallback }) });
    if (!res.ok) throw new Error(`script failed: ${res.status}`);
  }

  /** Answer deliveries with faults at a rate (test/setup/chaos.ts); everything else as scripted. */
  async chaos(options: ChaosOptions): Promise<void> {
    const res = await fetch(`${this.base}/_control/script/${this.ns}`, { method: "PUT", body: JSON.stringify({ chaos: options }) });
    if (!res.ok) throw new Error(`chaos script failed: ${res.status}`);
  }

  /** How the chaos answered so far, by kind. */
  async chaosTally(): Promise<Record<ChaosFault | "ok", number>> {
    return (await (await fetch(`${this.base}/_control/chaos/${this.ns}`)).json()) as Record<ChaosFault | "ok", number>;
  }

  /** The most requests this namespace was answering at once. */
  async maxInFlight(): Promise<number> {
    return ((await (await fetch(`${this.base}/_control/concurrency/${this.ns}`)).json()) as { max_in_flight: number }).max_in_flight;
  }

  async requests(): Promise<ReceivedRequest[]> {
    const res = await fetch(`${this.base}/_control/requests/${this.ns}`);
    return (await res.json()) as ReceivedRequest[];
  }

  /** Polls until `count` requests arrived (or the deadline passes), then returns them all. */
  async waitFor(count: number, timeoutMs = 20_000): Promise<ReceivedRequest[]> {
    let got: ReceivedRequest[] = [];
    await eventually(async () => (got = await this.requests()).length >= count, timeoutMs);
    return got;
  }
}

/** Polls `probe` until it returns a truthy value or the deadline passes (then returns the last value). */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
