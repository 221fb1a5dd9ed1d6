import http from "node:http";
import type { AddressInfo } from "node:net";
import { Chaos, type ChaosOptions } from "../../test/setup/chaos";

// The bench's receiver, on loopback: every hook delivers to /h/<tag>. It records each delivery
// request (by `webhook-id`, the delivery id, the same on every retry) with its arrival time and the
// publisher's `sent_at` from the payload, so publish-to-receipt latency is measured on one clock.
// A tag may be made chaotic (test/setup/chaos.ts), or a gate (its gate calls, `webhook-id: gate_…`,
// approved after a delay, or never answered). The automatic endpoint test of a new hook
// (`webhook-id: test_…`) is answered and not recorded.

export interface Receipt {
  tag: string;
  webhookId: string;
  at: number;
  /** The payload's `sent_at` (ms since epoch), when there is one. */
  sentAt: number | null;
  /** Answered with a fault (chaos): this request did not deliver. */
  faulted: boolean;
}

export class BenchReceiver {
  readonly receipts: Receipt[] = [];
  private readonly chaos = new Map<string, Chaos>();
  private readonly gates = new Map<string, { delayMs: number } | { hang: true }>();
  /** Tags whose deliveries fail their first request (HTTP 500), one in `every` of them. */
  private readonly failFirst = new Map<string, { every: number; seen: Set<string>; n: number }>();
  private server!: http.Server;
  port = 0;
  /** Callbacks waiting for receipts (see `waitFor`). */
  private listeners = new Set<() => void>();

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    // Many connections at once: the router's consumer opens up to 6 per batch, fan-out many more.
    this.server.maxConnections = 10_000;
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(tag: string): string {
    return `http://127.0.0.1:${this.port}/h/${tag}`;
  }

  makeChaotic(tag: string, options: ChaosOptions): Chaos {
    const c = new Chaos(options);
    this.chaos.set(tag, c);
    return c;
  }

  /** One in `every` distinct deliveries of the tag gets a 500 at its first request (then 200s). */
  failFirstTry(tag: string, every: number): void {
    this.failFirst.set(tag, { every, seen: new Set(), n: 0 });
  }

  /** Answers the tag's gate calls with an approval after `delayMs`, or never (`hang`: the gate's timeout ends it). */
  makeGate(tag: string, behaviour: { delayMs: number } | { hang: true }): void {
    this.gates.set(tag, behaviour);
  }

  /** Successful receipts of a tag (what the receiver accepted). */
  received(tag: string): Receipt[] {
    return this.receipts.filter((r) => r.tag === tag && !r.faulted);
  }

  /** Resolves once `count` successful receipts of `tag` arrived, or after `timeoutMs` (then with what there is). */
  async waitFor(tag: string, count: number, timeoutMs: number, distinct = true): Promise<Receipt[]> {
    const deadline = Date.now() + timeoutMs;
    const have = () => {
      const got = this.received(tag);
      return distinct ? new Set(got.map((r) => r.webhookId)).size : got.length;
    };
    while (have() < count && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(250, Math.max(0, deadline - Date.now())));
        const l = () => {
          clearTimeout(t);
          this.listeners.delete(l);
          resolve();
        };
        this.listeners.add(l);
      });
    }
    return this.received(tag);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = Date.now();
      const tag = /^\/h\/([^/?]+)/.exec(req.url ?? "")?.[1];
      const webhookId = String(req.headers["webhook-id"] ?? "");
      if (!tag) {
        res.writeHead(404).end();
        return;
      }
      const gate = this.gates.get(tag);
      if (gate && webhookId.startsWith("gate_")) {
        if ("hang" in gate) return;
        setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end('{"approved":true}'), gate.delayMs);
        return;
      }
      if (!webhookId.startsWith("dlv_")) {
        res.writeHead(200).end("ok");
        return;
      }
      const ff = this.failFirst.get(tag);
      if (ff && !ff.seen.has(webhookId)) {
        ff.seen.add(webhookId);
        if (ff.n++ % ff.every === 0) {
          this.receipts.push({ tag, webhookId, at, sentAt: null, faulted: true });
          res.writeHead(500, { "content-type": "text/plain" }).end("bench: first try fails");
          return;
        }
      }
      const fault = this.chaos.get(tag)?.respond(webhookId);
      const faulted = fault !== undefined && fault.status !== 200;
      this.receipts.push({ tag, webhookId, at, sentAt: faulted ? null : sentAtOf(chunks), faulted });
      for (const l of [...this.listeners]) l();
      if (!fault) {
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
        return;
      }
      if (fault.reset) return void req.socket.destroy();
      if (fault.hang) return; // the router's delivery timeout ends it
      const answer = () => res.writeHead(fault.status ?? 200, { "content-type": "text/plain" }).end(fault.body ?? "");
      if (fault.delay_ms) setTimeout(answer, fault.delay_ms);
      else answer();
    });
  }
}

function sentAtOf(chunks: Buffer[]): number | null {
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data?: { sent_at?: unknown } };
    return typeof body.data?.sent_at === "number" ? body.data.sent_at : null;
  } catch {
    return null;
  }
}
