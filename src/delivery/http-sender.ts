import { errorMessage } from "../error-message";
import type { SendEffect } from "./send-effects";
import type { OutboundRequest } from "./request";

export const RESPONSE_BODY_LIMIT = 4096;

/** What one attempt came to: what the attempt log records and the retry policy reads. */
export interface SendResult {
  ok: boolean;
  status: number | null;
  /** At most the first 4 KiB of the response body. */
  body: string | null;
  error: string | null;
  durationMs: number;
  /** Seconds, from a Retry-After header on 429/503. */
  retryAfterSeconds: number | null;
  /** True when the receiver did not answer in time. */
  timedOut: boolean;
  /** What the send found out about the account's management data, for the caller to write (./send-effects.ts). */
  effects?: SendEffect[];
  /**
   * Nothing was sent and no retry could change that (the hook's transformation fails on this event):
   * the delivery ends `dead` now, and the receiver's health is not affected.
   */
  final?: boolean;
}

/** An attempt that never left hookrouter: recorded and retried like any other failed attempt. */
export function notSent(error: string, started: number = Date.now()): SendResult {
  return { ok: false, status: null, body: null, error, durationMs: Date.now() - started, retryAfterSeconds: null, timedOut: false };
}

/** The failed attempt of a request that got no answer: it timed out, or the connection failed. */
export function unanswered(err: unknown, timedOut: boolean, timeoutMs: number, started: number): SendResult {
  const error = timedOut ? `timed out after ${timeoutMs} ms` : `connection failed: ${errorMessage(err)}`;
  return { ...notSent(error, started), timedOut };
}

/** Seconds to wait before the next attempt, when a 429 or 503 answer says (Retry-After). */
export function retryAfterOf(res: Response): number | null {
  return res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get("retry-after")) : null;
}

/**
 * Sends one request: never follows redirects (a 3xx is a failure, its Location recorded), times out,
 * and reads at most 4 KiB of the answer without buffering the rest. `send` is `fetch`, or a tunnel's
 * relay (src/services/tunnels.ts `sendToReceiver`), whose answers are read the same way.
 */
export async function sendHttp(req: OutboundRequest, timeoutMs: number, send: typeof fetch = fetch): Promise<SendResult> {
  const started = Date.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await send(req.url, {
      method: "POST",
      headers: req.headers,
      body: req.body,
      redirect: "manual",
      signal: controller.signal,
    });
    const body = await readPrefix(res, RESPONSE_BODY_LIMIT);
    const ok = res.status >= 200 && res.status < 300;
    let error: string | null = null;
    if (res.status >= 300 && res.status < 400) error = `redirect not followed (Location: ${res.headers.get("location") ?? "none"})`;
    else if (!ok) error = `HTTP ${res.status}`;
    return {
      ok,
      status: res.status,
      body,
      error,
      durationMs: Date.now() - started,
      retryAfterSeconds: retryAfterOf(res),
      timedOut: false,
    };
  } catch (err) {
    return unanswered(err, controller.signal.aborted, timeoutMs, started);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads up to `limit` bytes of the body, then cancels the stream so an endless body costs nothing. */
export async function readPrefix(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const c of chunks) {
    const take = Math.min(c.byteLength, all.length - offset);
    all.set(c.subarray(0, take), offset);
    offset += take;
    if (offset >= all.length) break;
  }
  return new TextDecoder().decode(all);
}

/** Retry-After as seconds: either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}
