import type http from "node:http";
import { Chaos, type ChaosOptions } from "./chaos";
import { serveOnLoopback } from "./loopback-server";
import type { ScriptedResponse } from "./scripted-response";

// A real HTTP receiver for integration tests, run in Node (vitest globalSetup) and reached from the
// Workers runtime over 127.0.0.1. Each test uses its own namespace: requests to /r/<ns>/... are
// recorded and answered from that namespace's script; the worker-side tests drive it through
// /_control/... (see test/helpers/receiver.ts).

interface Namespace {
  queue: ScriptedResponse[];
  fallback: ScriptedResponse;
  /** Answers deliveries (webhook-id dlv_…) that the script does not, when set (test/setup/chaos.ts). */
  chaos?: Chaos;
  requests: Array<{ at: number; method: string; path: string; headers: Record<string, string>; body: string }>;
  /** Requests being answered now, and the most there ever were at once. */
  inFlight: number;
  maxInFlight: number;
  /** Answers held back by `after_requests`, released as requests arrive. */
  held: Array<{ after: number; answer: () => void }>;
}

export function startReceiver(port = 0): Promise<{ server: http.Server; port: number }> {
  const spaces = new Map<string, Namespace>();
  const space = (ns: string): Namespace => {
    let s = spaces.get(ns);
    if (!s) {
      s = { queue: [], fallback: { status: 200, body: "ok" }, requests: [], inFlight: 0, maxInFlight: 0, held: [] };
      spaces.set(ns, s);
    }
    return s;
  };
  return serveOnLoopback(port, (req, res, { body, url, parts }) => {
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (parts[0] === "_control") {
      const ns = space(parts[2] ?? "default");
      if (parts[1] === "script" && req.method === "PUT") {
        const script = JSON.parse(body || "{}") as { responses?: ScriptedResponse[]; fallback?: ScriptedResponse; chaos?: ChaosOptions };
        ns.queue = script.responses ?? [];
        if (script.fallback) ns.fallback = script.fallback;
        ns.chaos = script.chaos ? new Chaos(script.chaos) : undefined;
        return json(200, { ok: true });
      }
      if (parts[1] === "requests") return json(200, ns.requests);
      if (parts[1] === "chaos") return json(200, ns.chaos?.tally ?? null);
      if (parts[1] === "concurrency") return json(200, { max_in_flight: ns.maxInFlight });
      if (parts[1] === "reset") {
        spaces.delete(parts[2] ?? "default");
        return json(200, { ok: true });
      }
      return json(404, { error: "unknown control call" });
    }
    if (parts[0] !== "r" || !parts[1]) return json(404, { error: "use /r/<namespace>/..." });
    const ns = space(parts[1]);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    ns.requests.push({ at: Date.now(), method: req.method ?? "", path: url.pathname + url.search, headers, body });
    ns.maxInFlight = Math.max(ns.maxInFlight, ++ns.inFlight);
    res.once("close", () => ns.inFlight--);
    const webhookId = headers["webhook-id"];
    const r = ns.queue.shift() ?? (ns.chaos && webhookId?.startsWith("dlv_") ? ns.chaos.respond(webhookId) : ns.fallback);
    const answer = () => {
      if (r.reset) return req.socket.destroy();
      if (r.hang) return; // the client times out
      res.writeHead(r.status ?? 200, { "content-type": "text/plain", ...r.headers });
      if (r.endless) {
        const chunk = "x".repeat(16 * 1024);
        const pump = () => {
          if (res.destroyed) return;
          while (res.write(chunk)) if (res.destroyed) return;
          res.once("drain", pump);
        };
        res.on("error", () => {});
        return pump();
      }
      res.end(r.body ?? "");
    };
    ns.held.push({ after: r.after_requests ?? 0, answer: () => (r.delay_ms ? setTimeout(answer, r.delay_ms) : answer()) });
    // Every arrival releases the answers whose barrier it completes (this one's included).
    const due = ns.held.filter((h) => ns.requests.length >= h.after);
    ns.held = ns.held.filter((h) => ns.requests.length < h.after);
    for (const h of due) h.answer();
  });
}
