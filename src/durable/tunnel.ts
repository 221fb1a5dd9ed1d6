import { DurableObject } from "cloudflare:workers";
import { utf8 } from "../crypto/encoding";
import { budgetUnits, CLOSE_REPLACED, CLOSE_REVOKED, MAX_CLIENT_FRAME_BYTES, parseClientFrame, PING, PONG, tunnelUrl, type ToClient } from "../domain/tunnel";
import type { Env } from "../env";

declare module "../env" {
  /** The class behind the `TUNNEL` binding (see DurableObjectClasses). */
  interface DurableObjectClasses {
    TUNNEL: Tunnel;
  }
}

/**
 * One tunnel, one object per (account, tunnel name) (`tunnelOf` in src/services/tunnels.ts): it holds
 * the WebSocket of the `hookrouter listen --tunnel` connected to it, with the hibernation API, so
 * the runtime keeps the socket while the object sleeps and an idle tunnel is billed no duration (the
 * CLI's keep-alive pings are answered by the runtime without waking it). `relay` sends one request
 * over the socket and waits for the CLI's answer. SQLite-backed, though it stores nothing: the socket
 * and its attachment are its whole state.
 */
export class Tunnel extends DurableObject<Env> {
  /** Requests sent over a socket and not answered yet. In memory: a relay in progress keeps the object awake. */
  private readonly pending = new Map<string, Pending>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /**
   * A CLI's WebSocket upgrade, handed on by the authenticated route (src/routes/tunnels.ts), which
   * names the account and the tunnel in headers only it can set. A newer connection replaces an older
   * one (a CLI reconnecting after a drop is not refused while the old socket is still thought alive).
   */
  override async fetch(request: Request): Promise<Response> {
    const accountId = request.headers.get(ACCOUNT_HEADER);
    const name = request.headers.get(TUNNEL_HEADER);
    const keyId = request.headers.get(KEY_HEADER);
    if (!accountId || !name || !keyId || request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("not a tunnel connection", { status: 400 });
    for (const old of this.ctx.getWebSockets()) closeQuietly(old, CLOSE_REPLACED, "another hookrouter listen connected to this tunnel");
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    const attachment: Attachment = {
      connectionId: crypto.randomUUID(),
      accountId,
      name,
      keyId,
      connectedAt: Date.now(),
      client: request.headers.get("user-agent")?.slice(0, 200) ?? null,
    };
    server.serializeAttachment(attachment);
    server.send(JSON.stringify({ type: "ready", tunnel: name, max_frame_bytes: MAX_CLIENT_FRAME_BYTES } satisfies ToClient));
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * Sends one request to the connected CLI and answers what its receiver said. Never throws: no CLI
   * connected, the account's budget spent, the CLI gone or silent past `timeoutMs` are `ok: false`,
   * which the sender records as a failed attempt, like an unreachable receiver's.
   */
  async relay(target: { accountId: string; name: string }, request: { headers: Record<string, string>; body: string }, timeoutMs: number): Promise<RelayAnswer> {
    const ws = this.connected();
    if (!ws) return { ok: false, error: `no \`hookrouter listen --tunnel ${target.name}\` is connected to ${tunnelUrl(target.name)}` };
    const id = crypto.randomUUID();
    const frame = JSON.stringify({ type: "request", id, headers: request.headers, body: request.body } satisfies ToClient);
    if (!(await spend(this.env.TUNNEL_RATE_LIMITER, target.accountId, utf8(frame).byteLength))) {
      return { ok: false, error: "not sent: the account's tunnel traffic budget is spent for now (TUNNEL_RATE_LIMITER)" };
    }
    const connectionId = attachmentOf(ws).connectionId;
    return new Promise<RelayAnswer>((resolve) => {
      // The caller gives up at `timeoutMs` (its own timer); this one only frees the entry.
      const timer = setTimeout(() => settle({ ok: false, error: `no answer over the tunnel within ${timeoutMs} ms` }), timeoutMs + 1000);
      const settle = (answer: RelayAnswer) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(answer);
      };
      this.pending.set(id, { connectionId, settle });
      try {
        ws.send(frame);
      } catch {
        settle({ ok: false, error: "the tunnel's connection closed before the request could be sent" });
      }
    });
  }

  /**
   * Closes the CLI connected with this API key (every CLI when `keyId` is null): its key was revoked,
   * or its account deleted, and a socket must not outlive the credential that opened it. Answers how
   * many it closed.
   */
  disconnect(keyId: string | null): number {
    let closed = 0;
    for (const ws of this.ctx.getWebSockets()) {
      if (keyId !== null && attachmentOf(ws).keyId !== keyId) continue;
      closeQuietly(ws, CLOSE_REVOKED, "the API key that opened this tunnel was revoked, or its account deleted");
      closed++;
    }
    return closed;
  }

  /** Whether a CLI is connected, since when, and which (its User-Agent). */
  status(): TunnelStatus {
    const ws = this.connected();
    if (!ws) return { connected: false, connected_at: null, client: null };
    const a = attachmentOf(ws);
    return { connected: true, connected_at: new Date(a.connectedAt).toISOString(), client: a.client };
  }

  /**
   * A message from the CLI. An answer to a request in progress settles it (it was paid for with the
   * request); anything else costs the account's budget like a request, and a socket that keeps
   * sending after the budget is spent, or sends a message over MAX_CLIENT_FRAME_BYTES, is closed.
   */
  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const size = typeof message === "string" ? utf8(message).byteLength : message.byteLength;
    const { connectionId, accountId } = attachmentOf(ws);
    if (size > MAX_CLIENT_FRAME_BYTES) {
      this.failPending(connectionId, `the CLI sent a message over ${MAX_CLIENT_FRAME_BYTES} bytes`);
      closeQuietly(ws, 1009, `messages are at most ${MAX_CLIENT_FRAME_BYTES} bytes`);
      return;
    }
    const frame = typeof message === "string" ? parseClientFrame(message) : null;
    const waiting = frame ? this.pending.get(frame.id) : undefined;
    if (frame && waiting?.connectionId === connectionId) {
      waiting.settle("error" in frame ? { ok: false, error: `the CLI could not reach its receiver: ${frame.error}` } : { ok: true, status: frame.status, headers: frame.headers, body: frame.body });
      return;
    }
    if (!(await spend(this.env.TUNNEL_RATE_LIMITER, accountId, size))) closeQuietly(ws, 1008, "over the account's tunnel traffic budget");
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.failPending(attachmentOf(ws).connectionId, "the CLI disconnected before answering");
    // Completes the closing handshake (the compatibility date predates the runtime doing it itself).
    closeQuietly(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.failPending(attachmentOf(ws).connectionId, "the tunnel's connection failed before the CLI answered");
  }

  /** The newest open socket: the tunnel's CLI, if one is connected. */
  private connected(): WebSocket | null {
    let newest: WebSocket | null = null;
    for (const ws of this.ctx.getWebSockets()) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (!newest || attachmentOf(ws).connectedAt > attachmentOf(newest).connectedAt) newest = ws;
    }
    return newest;
  }

  private failPending(connectionId: string, error: string): void {
    for (const p of [...this.pending.values()]) if (p.connectionId === connectionId) p.settle({ ok: false, error });
  }
}

/** Set by the connect route on the request it hands the object; a client's own headers never reach it. */
export const ACCOUNT_HEADER = "x-hookrouter-account";
export const TUNNEL_HEADER = "x-hookrouter-tunnel";
export const KEY_HEADER = "x-hookrouter-key-id";

/** What a relayed request came to: the receiver's answer as the CLI reported it, or why there is none. */
export type RelayAnswer = { ok: true; status: number; headers: Record<string, string>; body: string } | { ok: false; error: string };

export interface TunnelStatus {
  connected: boolean;
  connected_at: string | null;
  client: string | null;
}

/** Kept with each socket (survives hibernation). */
interface Attachment {
  connectionId: string;
  accountId: string;
  name: string;
  /** The API key that opened the socket: revoking it closes the socket. */
  keyId: string;
  connectedAt: number;
  client: string | null;
}

interface Pending {
  connectionId: string;
  settle(answer: RelayAnswer): void;
}

function attachmentOf(ws: WebSocket): Attachment {
  return ws.deserializeAttachment() as Attachment;
}

function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    /* already closed */
  }
}

/**
 * Counts `bytes` of tunnel traffic against the account's budget (the Workers Rate Limiting binding
 * TUNNEL_RATE_LIMITER, per Cloudflare location like the API's; one call per budget unit). False once
 * it is spent; without the binding there is no limit.
 */
async function spend(limiter: RateLimit | undefined, accountId: string, bytes: number): Promise<boolean> {
  if (!limiter) return true;
  for (let i = budgetUnits(bytes); i > 0; i--) if (!(await limiter.limit({ key: accountId })).success) return false;
  return true;
}
