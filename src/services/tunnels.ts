import { env } from "cloudflare:workers";
import { and, asc, eq, like } from "drizzle-orm";
import type { AccountContext } from "../context";
import type { Db } from "../db/client";
import { hooks } from "../db/schema";
import { sendHttp, type SendResult } from "../delivery/http-sender";
import type { OutboundRequest } from "../delivery/request";
import { hookWithinScope } from "../domain/portal-access";
import { MAX_TUNNELS_PER_ACCOUNT, tunnelNameOf, tunnelUrl } from "../domain/tunnel";
import { ACCOUNT_HEADER, KEY_HEADER, TUNNEL_HEADER, type RelayAnswer, type TunnelStatus } from "../durable/tunnel";
import type { Env } from "../env";
import { ApiError } from "../errors";

// Tunnels (src/domain/tunnel.ts) as the rest of the router sees them: the one seam where a
// receiver's request takes the tunnel instead of the internet, and what the /v1/tunnels routes do.

export function tunnelOf(tunnels: Env["TUNNEL"], accountId: string, name: string): DurableObjectStub<import("../durable/tunnel").Tunnel> {
  return tunnels.get(tunnels.idFromName(`${accountId}:${name}`));
}

/**
 * Sends a receiver's request (built by src/delivery/request.ts) and reads its answer: over the hook's
 * account's tunnel when the url is `tunnel://NAME`, over HTTP otherwise. Deliveries, endpoint tests
 * and gate calls all send through here, so a tunnel's CLI sees exactly what a receiver would and its
 * answer goes through sendHttp's reading (4 KiB cap, timeout, redirects, Retry-After) like any other.
 * The Tunnel namespace is the Worker's own binding (`env` of cloudflare:workers), so the senders'
 * contexts need not carry it.
 */
export function sendToReceiver(accountId: string, req: OutboundRequest, timeoutMs: number): Promise<SendResult> {
  const name = tunnelNameOf(req.url);
  if (name === null) return sendHttp(req, timeoutMs);
  return sendHttp(req, timeoutMs, relayingFetch(accountId, name, timeoutMs));
}

/** A `fetch` that hands the request to the tunnel's object and turns the CLI's answer into a Response. */
function relayingFetch(accountId: string, name: string, timeoutMs: number): typeof fetch {
  return async (_input, init) => {
    // sendHttp's own call: headers are a plain record and the body a string.
    const request = { headers: init?.headers as Record<string, string>, body: String(init?.body ?? "") };
    const relayed: Promise<RelayAnswer> = tunnelOf(env.TUNNEL, accountId, name).relay({ accountId, name }, request, timeoutMs);
    const answer = await abortable(relayed, init?.signal);
    if (!answer.ok) throw new Error(answer.error);
    return responseOf(answer);
  };
}

const NULL_BODY_STATUSES = new Set([204, 205, 304]);

function responseOf(answer: Extract<RelayAnswer, { ok: true }>): Response {
  try {
    return new Response(NULL_BODY_STATUSES.has(answer.status) ? null : answer.body, { status: answer.status, headers: answer.headers });
  } catch (err) {
    throw new Error(`the CLI's answer is not a valid HTTP answer (${err instanceof Error ? err.message : String(err)})`);
  }
}

function abortable<T>(work: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason ?? new DOMException("aborted", "AbortError"));
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

export interface AccountTunnel {
  name: string;
  /** The account's hooks delivering to it, oldest first. */
  hookIds: string[];
}

/**
 * The account's tunnels: the distinct `tunnel://` urls of its hooks (a tunnel exists while a hook
 * delivers to it), in the order of their oldest hook. One indexed read of the account's hooks.
 */
export async function accountTunnels(db: Db, accountId: string, withinApplications: string[] | null = null): Promise<AccountTunnel[]> {
  const rows = await db
    .select({ id: hooks.id, url: hooks.url, applications: hooks.applications })
    .from(hooks)
    .where(and(eq(hooks.accountId, accountId), like(hooks.url, "tunnel:%")))
    .orderBy(asc(hooks.id));
  const byName = new Map<string, string[]>();
  for (const r of rows) {
    const name = tunnelNameOf(r.url);
    if (name !== null && (!withinApplications || hookWithinScope(r.applications, withinApplications))) byName.set(name, [...(byName.get(name) ?? []), r.id]);
  }
  return [...byName].map(([name, hookIds]) => ({ name, hookIds }));
}

/**
 * A CLI's WebSocket upgrade to one of the account's tunnels, handed to the tunnel's object. A name no
 * hook of the account delivers to is not found (404), whichever account's hooks use it: an API key
 * only ever reaches its own account's tunnels.
 */
export async function connectTunnel(ctx: Pick<AccountContext, "db" | "env" | "accountId" | "keyId">, name: string, request: Request): Promise<Response> {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "connect with a WebSocket upgrade (`hookrouter listen --tunnel` does)");
  }
  const tunnels = await accountTunnels(ctx.db, ctx.accountId);
  const index = tunnels.findIndex((t) => t.name === name);
  if (index < 0) throw new ApiError(404, "not_found", `tunnel not found: no hook of this account delivers to ${tunnelUrl(name)}`);
  if (index >= MAX_TUNNELS_PER_ACCOUNT) {
    throw ApiError.unprocessable(`the account has more than ${MAX_TUNNELS_PER_ACCOUNT} tunnels; only the first ${MAX_TUNNELS_PER_ACCOUNT} (by their oldest hook) accept connections`);
  }
  const headers = new Headers({ upgrade: "websocket", [ACCOUNT_HEADER]: ctx.accountId, [TUNNEL_HEADER]: name, [KEY_HEADER]: ctx.keyId });
  const agent = request.headers.get("user-agent");
  if (agent) headers.set("user-agent", agent);
  const answer = await tunnelOf(ctx.env.TUNNEL, ctx.accountId, name).fetch("https://tunnel/connect", { headers });
  // A fetch answer's headers are immutable; the app's middleware adds its own (request id, security headers).
  return answer.webSocket ? new Response(null, { status: 101, webSocket: answer.webSocket }) : answer;
}

export interface TunnelView extends TunnelStatus {
  name: string;
  url: string;
  hook_ids: string[];
}

/**
 * The account's tunnels with whether a CLI is connected to each (one call to each tunnel's object, at
 * most MAX_TUNNELS_PER_ACCOUNT). A portal session scoped to applications sees the tunnels of its hooks only.
 */
export async function listTunnels(ctx: Pick<AccountContext, "db" | "env" | "accountId" | "portal">): Promise<TunnelView[]> {
  const tunnels = (await accountTunnels(ctx.db, ctx.accountId, ctx.portal?.applications ?? null)).slice(0, MAX_TUNNELS_PER_ACCOUNT);
  return Promise.all(
    tunnels.map(async (t) => ({
      name: t.name,
      url: tunnelUrl(t.name),
      hook_ids: t.hookIds,
      ...(await tunnelOf(ctx.env.TUNNEL, ctx.accountId, t.name).status()),
    })),
  );
}

/**
 * Closes the account's tunnel sockets opened with `keyId` (all of them when null): called when a key
 * is revoked or the account deleted. `tunnels`: the account's, read before its hooks were deleted.
 * Best-effort, like the deletion's other clean-up: a socket left open carries nothing once its
 * account's hooks are gone, and a revoked key cannot reconnect.
 */
export async function disconnectTunnels(ns: Env["TUNNEL"], accountId: string, tunnels: AccountTunnel[], keyId: string | null): Promise<void> {
  await Promise.allSettled(tunnels.map((t) => tunnelOf(ns, accountId, t.name).disconnect(keyId)));
}

/** After a key's revocation: the tunnels it opened close (it could not open them again). */
export async function disconnectKey(db: Db, ns: Env["TUNNEL"], accountId: string, keyId: string): Promise<void> {
  await disconnectTunnels(ns, accountId, await accountTunnels(db, accountId), keyId);
}
