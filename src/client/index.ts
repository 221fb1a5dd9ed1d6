import { hc, type ClientResponse } from "hono/client";
import type { ApiErrorBody, ContractApp } from "./contract";

// The typed hookrouter API client (`import { createClient, unwrap } from "hookrouter/client"`):
// Hono's RPC client over the contract in ./contract.ts. It has no runtime dependency but `hono`,
// and it runs wherever `fetch` does (Node 20, browsers, Workers).
//
//   const api = createClient({ url: "http://127.0.0.1:8787", apiKey: process.env.HOOKROUTER_API_KEY });
//   const hook = await unwrap(api.v1.hooks[":id"].$get({ param: { id: "hook_…" } }));

export type * from "./contract";
export { CONTRACT_ROUTES } from "./contract";

export interface ClientOptions {
  /** The router's base URL, e.g. http://127.0.0.1:8787 (the `npm run dev` address). */
  url: string;
  /** An account's API key (`hrk_…`), or the ADMIN_TOKEN for account administration. */
  apiKey?: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

export function createClient(opts: ClientOptions) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
  const baseFetch = opts.fetch ?? fetch;
  // A network failure becomes a HookrouterConnectionError naming the router, not undici's bare "fetch failed".
  const reachingFetch: typeof fetch = async (input, init) => {
    try {
      return await baseFetch(input, init);
    } catch (err) {
      throw toConnectionError(opts.url, err);
    }
  };
  return hc<ContractApp>(opts.url, { headers, fetch: reachingFetch });
}

export type HookrouterClient = ReturnType<typeof createClient>;

/** The router answered with an error (`{error: {code, message, details}}`), or with something that is not the API. */
export class HookrouterApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ApiErrorBody["error"]["details"] = [],
  ) {
    super(message);
    this.name = "HookrouterApiError";
  }
}

/** The router could not be reached at all (refused, unknown host, reset, timed out). */
export class HookrouterConnectionError extends Error {
  constructor(
    readonly url: string,
    /** The system error code when there is one: ECONNREFUSED, ENOTFOUND, ECONNRESET, … */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach ${url}${code ? ` (${code})` : ""}`, options);
    this.name = "HookrouterConnectionError";
  }
}

type SuccessStatus = 200 | 201 | 202 | 204;
/** The body type of an answer's 2xx variants. */
export type SuccessOf<R> = R extends ClientResponse<infer O, infer S, infer _F> ? (S extends SuccessStatus ? O : never) : never;

/**
 * Awaits a client call and returns its parsed 2xx body; anything else throws a
 * HookrouterApiError (with the API's code, message and details) or a HookrouterConnectionError.
 */
export async function unwrap<R extends ClientResponse<unknown, number, "json">>(pending: Promise<R>): Promise<SuccessOf<R>> {
  const res = await pending;
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: handled below */
  }
  if (res.ok && (body !== undefined || !text)) return body as SuccessOf<R>;
  if (isApiError(body)) throw new HookrouterApiError(res.status, body.error.code, body.error.message, body.error.details ?? []);
  const snippet = text.replace(/\s+/g, " ").slice(0, 200);
  throw new HookrouterApiError(res.status, "unexpected_response", `unexpected answer (HTTP ${res.status}): ${snippet || "empty body"}`);
}

function isApiError(body: unknown): body is ApiErrorBody {
  const e = (body as ApiErrorBody | undefined)?.error;
  return typeof e === "object" && e !== null && typeof e.code === "string" && typeof e.message === "string";
}

function toConnectionError(url: string, err: unknown): unknown {
  if (err instanceof Error && err.name === "AbortError") return err;
  // Node's fetch (undici) fails with TypeError("fetch failed") and the system error as `cause`.
  const cause = (err as { cause?: { code?: string; errors?: Array<{ code?: string }> } } | undefined)?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return new HookrouterConnectionError(url, code, { cause: err });
}
