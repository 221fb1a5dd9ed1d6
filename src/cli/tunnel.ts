import type { IncomingMessage } from "node:http";
import WebSocket from "ws";
import { HookrouterApiError, HookrouterConnectionError } from "../client";
import { readPrefix, RESPONSE_BODY_LIMIT } from "../delivery/http-sender";
import { PING, PONG, tunnelUrl, type FromClient, type ToClient } from "../domain/tunnel";
import { clock, style } from "./format";

// The CLI's end of a tunnel (`hookrouter listen --tunnel`): holds a WebSocket to the router's
// /v1/tunnels/NAME/connect, POSTs every request that arrives on it to `target` (the --forward URL,
// or listen's own receiver) and sends back what that answered. Reconnects with backoff when the
// socket drops; stops for good when the router refuses the connection (wrong key, no such tunnel)
// or another CLI takes the tunnel over.

/** The CLI's own limit on a local answer; the router gives up sooner (the hook's timeout). */
const FORWARD_TIMEOUT_MS = 30_000;
/** Keep-alive: a ping this often, and a socket silent this long (no pong) is taken for dead. */
const PING_EVERY_MS = 20_000;
const DEAD_AFTER_MS = 50_000;
const BACKOFF_MS = { first: 500, max: 15_000 };

export interface TunnelOptions {
  /** The router's base URL (http or https). */
  url: string;
  apiKey: string | undefined;
  name: string;
  /** Where each request is POSTed. */
  target: string;
  userAgent: string;
  /** Status lines (connected, lost, reconnecting). */
  log: (line: string) => void;
  /** One line per request when the target is not listen's own receiver (which prints its own). */
  onForwarded?: (line: string) => void;
  /** Called after each (re)connection, once the router said the tunnel is ready. */
  onReady?: (reconnected: boolean) => void;
}

export interface TunnelClient {
  /** Rejects when the tunnel stops for good: the router refused it, or another CLI took it over. */
  stopped: Promise<never>;
  close(): void;
}

export function openTunnel(opts: TunnelOptions): TunnelClient {
  const endpoint = `${opts.url.replace(/^http/, "ws")}/v1/tunnels/${encodeURIComponent(opts.name)}/connect`;
  let fail!: (e: unknown) => void;
  const stopped = new Promise<never>((_, reject) => (fail = reject));
  stopped.catch(() => {}); // observed by the caller when it races it
  let closing = false;
  let everConnected = false;
  let failures = 0;
  let socket: WebSocket | null = null;
  let retry: NodeJS.Timeout | undefined;

  const stop = (e: unknown) => {
    closing = true;
    socket?.terminate();
    fail(e);
  };

  const reconnectLater = (why: string) => {
    if (closing) return;
    const delay = Math.min(BACKOFF_MS.max, BACKOFF_MS.first * 2 ** failures++);
    opts.log(`${style.yellow("tunnel")} ${opts.name}: ${why}; reconnecting in ${(delay / 1000).toFixed(1)} s`);
    retry = setTimeout(connect, delay);
  };

  function connect() {
    const ws = new WebSocket(endpoint, { headers: { "user-agent": opts.userAgent, ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) } });
    socket = ws;
    let lastHeard = Date.now();
    let keepAlive: NodeJS.Timeout | undefined;
    /** This connection's end was already dealt with (a refused upgrade): its close event has nothing to add. */
    let ended = false;

    ws.on("unexpected-response", (_req, res: IncomingMessage) => {
      ended = true;
      void refusal(res).then((e) => {
        ws.terminate();
        // A refusal that will not change by retrying ends the tunnel; a busy or failing router is retried.
        if (e.status === 429 || e.status >= 500) reconnectLater(`the router answered ${e.status} (${e.message})`);
        else stop(e);
      });
    });
    ws.on("error", (e: NodeJS.ErrnoException) => {
      // Before the first connection, an unreachable router is the user's to fix (wrong --url, not started).
      if (!everConnected && !ended) stop(new HookrouterConnectionError(opts.url, e.code, { cause: e }));
    });
    ws.on("message", (data, isBinary) => {
      lastHeard = Date.now();
      const text = data.toString();
      if (isBinary || text === PONG) return;
      let frame: ToClient;
      try {
        frame = JSON.parse(text) as ToClient;
      } catch {
        return; // not this protocol: nothing to answer
      }
      if (frame.type === "ready") {
        opts.log(`${style.green("tunnel")} ${opts.name} connected: requests to ${style.bold(tunnelUrl(opts.name))} go to ${opts.target}`);
        const reconnected = everConnected;
        everConnected = true;
        failures = 0;
        opts.onReady?.(reconnected);
      } else if (frame.type === "request") {
        void forward(opts, frame).then((answer) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(answer));
        });
      }
    });
    ws.on("open", () => {
      keepAlive = setInterval(() => {
        if (Date.now() - lastHeard > DEAD_AFTER_MS) ws.terminate();
        else ws.send(PING);
      }, PING_EVERY_MS);
    });
    ws.on("close", (code, reason) => {
      clearInterval(keepAlive);
      if (ended || closing || socket !== ws) return;
      if (code === 4001) {
        stop(new Error(`another \`hookrouter listen --tunnel ${opts.name}\` connected to ${tunnelUrl(opts.name)} and took it over`));
        return;
      }
      if (everConnected) reconnectLater(`connection lost${code ? ` (${code}${reason.length ? ` ${reason.toString()}` : ""})` : ""}`);
    });
  }

  connect();
  return {
    stopped,
    close() {
      closing = true;
      clearTimeout(retry);
      socket?.close(1000, "hookrouter listen stopped");
    },
  };
}

/** The router's refusal of the upgrade, as the API error it carries. */
async function refusal(res: IncomingMessage): Promise<HookrouterApiError> {
  let text = "";
  for await (const chunk of res) text += chunk;
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string; details?: [] } };
    return new HookrouterApiError(res.statusCode ?? 0, error.code, error.message, error.details ?? []);
  } catch {
    return new HookrouterApiError(res.statusCode ?? 0, "unexpected_response", `unexpected answer (HTTP ${res.statusCode}): ${text.slice(0, 200)}`);
  }
}

/** POSTs one relayed request to the target and turns its answer (or the failure to get one) into the reply frame. */
async function forward(opts: TunnelOptions, req: Extract<ToClient, { type: "request" }>): Promise<FromClient> {
  const started = Date.now();
  const kind = req.headers["webhook-id"]?.startsWith("gate_") ? "gate call" : req.headers["webhook-id"]?.startsWith("test_") ? "test" : "delivery";
  let type = "(no type)";
  try {
    type = String((JSON.parse(req.body) as { type?: unknown }).type ?? type);
  } catch {
    /* a raw payload: no type to show */
  }
  const note = (what: string) => opts.onForwarded?.(`${style.bold(clock(new Date(started)))}  ${style.cyan(kind)}  ${style.bold(type)}  ${what} ${style.dim(`${Date.now() - started} ms`)}`);
  try {
    const res = await fetch(opts.target, { method: "POST", headers: req.headers, body: req.body, redirect: "manual", signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS) });
    // The first 4 KiB travel back: all the router ever records of an answer.
    const body = await readPrefix(res, RESPONSE_BODY_LIMIT);
    note(`→ ${res.status < 300 ? style.green(String(res.status)) : style.red(String(res.status))}`);
    return { type: "response", id: req.id, status: res.status, headers: Object.fromEntries(res.headers), body };
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const error = `${opts.target}: ${cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e))}`;
    note(`→ ${style.red(`no answer (${error})`)}`);
    return { type: "response", id: req.id, error };
  }
}
