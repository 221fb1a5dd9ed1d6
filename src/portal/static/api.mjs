// The portal's only way to the server: the public API, with the portal session's token as the
// bearer. The token (never an API key) lives in this tab's sessionStorage.

const STORAGE_KEY = "hookrouter.portal.token";
let token = null;

class ApiCallError extends Error {
  constructor(status, body) {
    const e = body && typeof body === "object" && body.error ? body.error : null;
    const details = e && Array.isArray(e.details) && e.details.length ? ` (${e.details.map((d) => `${d.path || "body"}: ${d.message}`).join("; ")})` : "";
    super(e ? `${e.message}${details}` : `HTTP ${status}: ${typeof body === "string" ? body.slice(0, 200) : "no answer"}`);
    this.status = status;
    this.code = e ? e.code : "http_error";
  }
}

export function setToken(value) {
  token = value;
  if (value) sessionStorage.setItem(STORAGE_KEY, value);
  else sessionStorage.removeItem(STORAGE_KEY);
}

export function storedToken() {
  return sessionStorage.getItem(STORAGE_KEY);
}

/** The claims of a portal token (not secret; the server checks the signature): account, applications, expiry. */
export function claimsOf(value) {
  try {
    const body = value.slice(4).split(".")[0].replace(/-/g, "+").replace(/_/g, "/");
    const c = JSON.parse(atob(body + "=".repeat((4 - (body.length % 4)) % 4)));
    if (typeof c.a !== "string" || typeof c.e !== "number" || !value.startsWith("hrp_")) return null;
    return { accountId: c.a, applications: c.p ?? null, expiresAt: new Date(c.e * 1000) };
  } catch {
    return null;
  }
}

async function request(method, path, body, bearer) {
  const headers = { authorization: `Bearer ${bearer}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiCallError(0, `the router did not answer (${err.message})`);
  }
  const text = await res.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  if (!res.ok) throw new ApiCallError(res.status, data);
  return data;
}

export function api(method, path, body) {
  return request(method, path, body, token);
}

/** Typed-in API key (local use): mint a portal session with it and keep only the session's token. */
export async function sessionFromApiKey(apiKey) {
  const session = await request("POST", "/v1/portal-sessions", { expires_in: 3600 }, apiKey);
  return session.token;
}

/** `?a=1&b=2` from the non-empty entries. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
