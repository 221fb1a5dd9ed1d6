// JSON calls to a router started with `wrangler dev` (./wrangler-dev.ts), for the end-to-end tests
// that set up their data through the API before driving a browser.

/** `api(method, path, body?, token?)`: the answer's JSON; throws on any status but 2xx. */
export function routerApi(baseUrl: () => string, defaultToken: () => string) {
  return async (method: string, path: string, body?: unknown, token = defaultToken()): Promise<any> => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as any;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}
