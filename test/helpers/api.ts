import { exports } from "cloudflare:workers";

export const ADMIN_TOKEN = "test-admin-token-0123456789";

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** Calls the Worker's own fetch handler, in the Workers runtime, as a client would over HTTP. */
export async function call<T = any>(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await (exports as any).default.fetch(new Request(`http://hookrouter.test${path}`, { method, headers, body }));
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** A fresh account with one API key. */
export async function newAccount(name = "acme"): Promise<{ accountId: string; key: string; keyId: string }> {
  const acc = await call("POST", "/v1/accounts", { token: ADMIN_TOKEN, body: { name } });
  if (acc.status !== 201) throw new Error(`account: ${acc.status} ${JSON.stringify(acc.body)}`);
  const key = await call("POST", `/v1/accounts/${acc.body.id}/keys`, { token: ADMIN_TOKEN, body: { name: "test" } });
  if (key.status !== 201) throw new Error(`key: ${key.status} ${JSON.stringify(key.body)}`);
  return { accountId: acc.body.id, key: key.body.key, keyId: key.body.id };
}

export function expectErrorShape(a: Answer, status: number, code?: string): void {
  if (a.status !== status) throw new Error(`expected ${status}, got ${a.status}: ${JSON.stringify(a.body)}`);
  const e = (a.body as any)?.error;
  if (!e || typeof e.code !== "string" || typeof e.message !== "string" || !Array.isArray(e.details)) {
    throw new Error(`not the error shape: ${JSON.stringify(a.body)}`);
  }
  if (code && e.code !== code) throw new Error(`expected code ${code}, got ${e.code}`);
}
