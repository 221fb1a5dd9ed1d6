import { checkOutboundUrl, type UrlVerdict } from "./url-guard";

// Tunnels: a hook whose url is `tunnel://NAME` is delivered over the WebSocket that
// `hookrouter listen --tunnel NAME` holds open to the router (src/durable/tunnel.ts), so a router
// deployed on Cloudflare reaches a developer's machine without any relay in between. What travels
// over the socket is the exact request a receiver would get (src/delivery/request.ts) and the
// receiver's answer. Pure: shared by the Worker, the Tunnel object and the CLI.

/** A tunnel's name: a DNS label (lowercase letters, digits, inner hyphens), so it reads well in a URL. */
export const TUNNEL_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const TUNNEL_NAME_RULE = "1 to 63 lowercase letters, digits or hyphens, not starting or ending with a hyphen";
const PREFIX = "tunnel://";

/**
 * The most tunnels one account may have (distinct `tunnel://` urls among its hooks). A tunnel holds
 * one CLI connection at a time (a newer one replaces it), so this also bounds an account's
 * connections. Checked when a hook is saved (422) and again when a CLI connects.
 */
export const MAX_TUNNELS_PER_ACCOUNT = 10;

/** The largest message a CLI may send: an answer's first 4 KiB of body plus its headers fit many times over. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/**
 * An account's tunnel traffic is counted in units against one budget (`TUNNEL_RATE_LIMITER`): a
 * message costs one unit per started 16 KiB, so the budget limits messages per second and bytes
 * per second at once.
 */
export const BUDGET_UNIT_BYTES = 16 * 1024;

export function budgetUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / BUDGET_UNIT_BYTES));
}

export function tunnelUrl(name: string): string {
  return `${PREFIX}${name}`;
}

/** The tunnel a hook's url names, or null when it is not a tunnel url (exactly `tunnel://NAME`). */
export function tunnelNameOf(url: string | null): string | null {
  if (!url?.startsWith(PREFIX)) return null;
  const name = url.slice(PREFIX.length);
  return TUNNEL_NAME.test(name) ? name : null;
}

/**
 * Where a webhook hook may deliver: a tunnel of its own account (`tunnel://NAME`, whatever
 * ALLOW_PRIVATE_TARGETS says: it reaches only the CLI that account connected), or a URL the outbound
 * guard allows. Checked when a hook is saved and again at every send.
 */
export function checkHookTarget(raw: string, allowPrivate: boolean): UrlVerdict {
  if (!/^tunnel:/i.test(raw)) return checkOutboundUrl(raw, allowPrivate);
  return tunnelNameOf(raw) !== null
    ? { ok: true, url: new URL(raw) }
    : { ok: false, reason: `a tunnel url is tunnel://NAME, the name being ${TUNNEL_NAME_RULE} (no path, query or port)` };
}

// The messages on a tunnel's socket, all JSON text. The CLI also sends "ping" every so often: the
// runtime answers "pong" itself, without waking the Tunnel object (an idle tunnel costs nothing).

export const PING = "ping";
export const PONG = "pong";

/** Close codes the router uses beyond the standard ones (1008 policy, 1009 too big). */
export const CLOSE_REPLACED = 4001;
export const CLOSE_REVOKED = 4003;

/** Router → CLI. */
export type ToClient =
  /** Sent once the socket is accepted: the CLI is now the tunnel's receiver. */
  | { type: "ready"; tunnel: string; max_frame_bytes: number }
  /** A delivery, endpoint test or gate call: the headers and body a receiver would get, POSTed. */
  | { type: "request"; id: string; headers: Record<string, string>; body: string };

/** CLI → router: the local receiver's answer to one request (`headers` may be left out), or why there is none. */
export type FromClient =
  | { type: "response"; id: string; status: number; headers: Record<string, string>; body: string }
  | { type: "response"; id: string; error: string };

/** A CLI message, or null when it is not one this protocol has. */
export function parseClientFrame(text: string): FromClient | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null) return null;
  const f = v as Record<string, unknown>;
  if (f.type !== "response" || typeof f.id !== "string") return null;
  if (typeof f.error === "string") return { type: "response", id: f.id, error: f.error.slice(0, 500) };
  const headers = f.headers ?? {};
  if (!Number.isInteger(f.status) || typeof f.body !== "string" || !isStringMap(headers)) return null;
  return { type: "response", id: f.id, status: f.status as number, headers, body: f.body };
}

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}
