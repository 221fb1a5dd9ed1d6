import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { REFUSED_URLS } from "../helpers/guarded-urls";

// Bad input on the hook API: every case answers the right 4xx with {error: {code, message, details}},
// never a 500, and writes nothing.

let key: string;
let hookId: string;

const ok = { name: "valid-hook", url: "https://example.com/hook" };

interface Case {
  what: string;
  method?: string;
  path?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** A details[].path the answer must name (400s from the schema, 422s from the rules). */
  field?: string;
  message?: RegExp;
}

const b64 = (n: number) => btoa("x".repeat(n));

const createCases: Case[] = [
  // wrong types
  { what: "name is a number", body: { ...ok, name: 123 }, status: 400, code: "validation_failed", field: "name" },
  { what: "url is a number", body: { ...ok, url: 42 }, status: 400, code: "validation_failed", field: "url" },
  { what: "events is a string", body: { ...ok, events: "job_run.failed" }, status: 400, code: "validation_failed", field: "events" },
  { what: "events holds a number", body: { ...ok, events: [1] }, status: 400, code: "validation_failed", field: "events.0" },
  { what: "enabled is a string", body: { ...ok, enabled: "yes" }, status: 400, code: "validation_failed", field: "enabled" },
  { what: "fallback is a string", body: { ...ok, fallback: "true" }, status: 400, code: "validation_failed", field: "fallback" },
  { what: "applications is a string", body: { ...ok, applications: "billing" }, status: 400, code: "validation_failed", field: "applications" },
  { what: "metadata value is a number", body: { ...ok, metadata: { k: 1 } }, status: 400, code: "validation_failed", field: "metadata.k" },
  { what: "headers is an array", body: { ...ok, headers: ["x"] }, status: 400, code: "validation_failed", field: "headers" },
  { what: "rate limit is a string", body: { ...ok, rate_limit_per_second: "5" }, status: 400, code: "validation_failed", field: "rate_limit_per_second" },
  { what: "timeout is fractional", body: { ...ok, timeout_ms: 1500.5 }, status: 400, code: "validation_failed", field: "timeout_ms" },
  { what: "slack is a string", body: { name: "s", kind: "slack", slack: "C123" }, status: 400, code: "validation_failed", field: "slack" },
  // missing fields
  { what: "empty object", body: {}, status: 400, code: "validation_failed", field: "name" },
  { what: "no name", body: { url: ok.url }, status: 400, code: "validation_failed", field: "name" },
  { what: "webhook without url", body: { name: "no-url" }, status: 422, code: "unprocessable", field: "url" },
  { what: "slack hook without channel", body: { name: "no-channel", kind: "slack" }, status: 422, code: "unprocessable", field: "slack.channel_id" },
  // enums and ranges
  { what: "unknown kind", body: { ...ok, kind: "email" }, status: 400, code: "validation_failed", field: "kind" },
  { what: "unknown phase", body: { ...ok, phase: "during" }, status: 400, code: "validation_failed", field: "phase" },
  { what: "unknown on_error", body: { ...ok, on_error: "ignore" }, status: 400, code: "validation_failed", field: "on_error" },
  { what: "unknown payload_format", body: { ...ok, payload_format: "xml" }, status: 400, code: "validation_failed", field: "payload_format" },
  { what: "empty name", body: { ...ok, name: "" }, status: 400, code: "validation_failed", field: "name" },
  { what: "blank name", body: { ...ok, name: "   " }, status: 400, code: "validation_failed", field: "name" },
  { what: "name over 100 characters", body: { ...ok, name: "n".repeat(101) }, status: 400, code: "validation_failed", field: "name" },
  { what: "description over 1000 characters", body: { ...ok, description: "d".repeat(1001) }, status: 400, code: "validation_failed", field: "description" },
  { what: "url over 2048 characters", body: { ...ok, url: `https://example.com/${"p".repeat(2040)}` }, status: 400, code: "validation_failed", field: "url" },
  { what: "over 100 subscriptions", body: { ...ok, events: Array.from({ length: 101 }, (_, i) => `e${i}`) }, status: 400, code: "validation_failed", field: "events" },
  { what: "empty applications list", body: { ...ok, applications: [] }, status: 400, code: "validation_failed", field: "applications" },
  { what: "application with a space", body: { ...ok, applications: ["my app"] }, status: 400, code: "validation_failed", field: "applications.0" },
  { what: "gate timeout below 100 ms", body: { ...ok, timeout_ms: 50 }, status: 400, code: "validation_failed", field: "timeout_ms" },
  { what: "zero rate limit", body: { ...ok, rate_limit_per_second: 0 }, status: 400, code: "validation_failed", field: "rate_limit_per_second" },
  { what: "negative rate limit", body: { ...ok, rate_limit_per_second: -1 }, status: 400, code: "validation_failed", field: "rate_limit_per_second" },
  { what: "metadata over 50 entries", body: { ...ok, metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) }, status: 400, code: "validation_failed", field: "metadata" },
  // bad event patterns
  { what: "event with a space", body: { ...ok, events: ["job run"] }, status: 400, code: "validation_failed", field: "events.0" },
  { what: "event with a character class", body: { ...ok, events: ["job_run.[a-z]"] }, status: 400, code: "validation_failed", field: "events.0" },
  { what: "event with ?", body: { ...ok, events: ["job_run.?"] }, status: 400, code: "validation_failed", field: "events.0" },
  { what: "empty event", body: { ...ok, events: [""] }, status: 400, code: "validation_failed", field: "events.0" },
  { what: "event over 128 characters", body: { ...ok, events: ["e".repeat(129)] }, status: 400, code: "validation_failed", field: "events.0" },
  { what: "event with a slash", body: { ...ok, events: ["job_run/failed"] }, status: 400, code: "validation_failed", field: "events.0" },
  // secrets
  { what: "secret without whsec_", body: { ...ok, secret: "plain-secret-value-long-enough" }, status: 400, code: "validation_failed", field: "secret" },
  { what: "secret of 8 bytes", body: { ...ok, secret: `whsec_${b64(8)}` }, status: 400, code: "validation_failed", field: "secret" },
  { what: "secret of 65 bytes", body: { ...ok, secret: `whsec_${b64(65)}` }, status: 400, code: "validation_failed", field: "secret" },
  { what: "secret that is not base64", body: { ...ok, secret: "whsec_!!!!not-base64!!!!not-base64!!!!" }, status: 400, code: "validation_failed", field: "secret" },
  // custom headers
  { what: "a webhook-* header", body: { ...ok, headers: { "webhook-signature": "v1,x" } }, status: 400, code: "validation_failed", field: "headers.webhook-signature" },
  { what: "a content-type header", body: { ...ok, headers: { "Content-Type": "text/plain" } }, status: 400, code: "validation_failed", field: "headers.Content-Type" },
  { what: "a header value with CRLF", body: { ...ok, headers: { "X-A": "a\r\nX-Injected: 1" } }, status: 400, code: "validation_failed", field: "headers.X-A" },
  { what: "a header name with a space", body: { ...ok, headers: { "bad header": "x" } }, status: 400, code: "validation_failed", field: "headers.bad header" },
  // unknown fields
  { what: "an unknown field", body: { ...ok, colour: "blue" }, status: 400, code: "validation_failed", message: /colour/ },
  { what: "an unknown field in slack", body: { name: "s", kind: "slack", slack: { channel_id: "C1", team: "T1" } }, status: 400, code: "validation_failed", message: /team/ },
  { what: "kind-independent typo (event for events)", body: { ...ok, event: ["a"] }, status: 400, code: "validation_failed", message: /event/ },
  // well-formed but not allowed
  { what: "fallback with applications", body: { ...ok, fallback: true, applications: ["a"] }, status: 422, code: "unprocessable", field: "fallback" },
  { what: "webhook with a slack channel", body: { ...ok, slack: { channel_id: "C1" } }, status: 422, code: "unprocessable", field: "slack" },
  { what: "slack hook with a url", body: { name: "s", kind: "slack", slack: { channel_id: "C1" }, url: ok.url }, status: 422, code: "unprocessable", field: "url" },
  {
    what: "disable_ssl_verification: true",
    body: { ...ok, disable_ssl_verification: true },
    status: 422,
    code: "unprocessable",
    field: "disable_ssl_verification",
    message: /Workers runtime always verifies TLS/,
  },
  // the body itself
  { what: "malformed JSON", raw: '{"name": "x", ', headers: { "content-type": "application/json" }, status: 400, code: "invalid_json" },
  { what: "a JSON array", body: [ok], status: 400, code: "validation_failed" },
  { what: "JSON null", raw: "null", headers: { "content-type": "application/json" }, status: 400, code: "validation_failed" },
  { what: "a JSON string", raw: '"hello"', headers: { "content-type": "application/json" }, status: 400, code: "validation_failed" },
  { what: "text/plain content type", raw: JSON.stringify(ok), headers: { "content-type": "text/plain" }, status: 415, code: "unsupported_media_type" },
  { what: "form content type", raw: "name=x&url=y", headers: { "content-type": "application/x-www-form-urlencoded" }, status: 415, code: "unsupported_media_type" },
  { what: "no content type", raw: JSON.stringify(ok), status: 415, code: "unsupported_media_type" },
  { what: "a body over the size limit", body: { ...ok, description: "d".repeat(400 * 1024) }, status: 413, code: "payload_too_large" },
];

const guardCases: Case[] = REFUSED_URLS.map(([url, reason]) => ({
  what: `guarded url ${url}`,
  body: { name: "guarded", url },
  status: 422,
  code: "unprocessable",
  field: "url",
  message: reason,
}));

// Cases on the other hook routes; `{id}` is an existing hook of the account.
const otherCases: Case[] = [
  { what: "PATCH with an unknown field", method: "PATCH", path: "/v1/hooks/{id}", body: { kind: "slack" }, status: 400, code: "validation_failed", message: /kind/ },
  { what: "PATCH an empty name", method: "PATCH", path: "/v1/hooks/{id}", body: { name: "" }, status: 400, code: "validation_failed", field: "name" },
  { what: "PATCH a bad pattern", method: "PATCH", path: "/v1/hooks/{id}", body: { events: ["a b"] }, status: 400, code: "validation_failed", field: "events.0" },
  { what: "PATCH state valid", method: "PATCH", path: "/v1/hooks/{id}", body: { state: "valid" }, status: 422, code: "unprocessable", field: "state" },
  { what: "PATCH a private url", method: "PATCH", path: "/v1/hooks/{id}", body: { url: "http://[::ffff:127.0.0.1]/" }, status: 422, code: "unprocessable", field: "url" },
  { what: "PATCH url null", method: "PATCH", path: "/v1/hooks/{id}", body: { url: null }, status: 400, code: "validation_failed", field: "url" },
  { what: "PATCH malformed JSON", method: "PATCH", path: "/v1/hooks/{id}", raw: "{", headers: { "content-type": "application/json" }, status: 400, code: "invalid_json" },
  { what: "PATCH without content type", method: "PATCH", path: "/v1/hooks/{id}", raw: "{}", status: 415, code: "unsupported_media_type" },
  { what: "name-available without a name", method: "GET", path: "/v1/hooks/name-available", status: 400, code: "validation_failed", field: "name" },
  { what: "active without an event", method: "GET", path: "/v1/hooks/active", status: 400, code: "validation_failed", field: "event" },
  { what: "active with a pattern for the event", method: "GET", path: "/v1/hooks/active?event=job_run.*", status: 400, code: "validation_failed", field: "event" },
  { what: "active with an unknown phase", method: "GET", path: "/v1/hooks/active?event=a&phase=during", status: 400, code: "validation_failed", field: "phase" },
  { what: "an overlong hook id", method: "GET", path: `/v1/hooks/hook_${"0".repeat(70)}`, status: 400, code: "validation_failed", field: "id" },
  { what: "an unknown hook id", method: "GET", path: "/v1/hooks/hook_01JD3Z5Q3W9X4Y2V8N6M1K0P7R", status: 404, code: "not_found" },
  { what: "an unknown sub-route", method: "POST", path: "/v1/hooks/{id}/explode", status: 404, code: "not_found" },
  { what: "an unknown method on a route", method: "PUT", path: "/v1/hooks", body: ok, status: 404, code: "not_found" },
  { what: "a misspelt resource", method: "GET", path: "/v1/hookz", status: 404, code: "not_found" },
  { what: "a bad cursor", method: "GET", path: "/v1/hooks?cursor=hook_lowercase_is_never_an_id", status: 400, code: "validation_failed", field: "cursor" },
  { what: "a limit over 100", method: "GET", path: "/v1/hooks?limit=1000", status: 400, code: "validation_failed", field: "limit" },
];

async function run(c: Case) {
  const path = (c.path ?? "/v1/hooks").replace("{id}", hookId);
  const res = await call(c.method ?? "POST", path, { token: key, body: c.body, rawBody: c.raw, headers: c.headers });
  expectErrorShape(res, c.status, c.code);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const e = res.body.error;
  expect(e.message.length).toBeGreaterThan(0);
  if (c.field) expect(e.details.map((d: { path: string }) => d.path)).toContain(c.field);
  if (c.message) expect(e.message).toMatch(c.message);
}

beforeAll(async () => {
  ({ key } = await newAccount("validation"));
  const created = await call("POST", "/v1/hooks", { token: key, body: { name: "the-one", url: "https://example.com/one" } });
  expect(created.status).toBe(201);
  hookId = created.body.id;
});

describe("bad input on the hook API", () => {
  it("covers at least 40 distinct bad inputs", () => {
    expect(createCases.length + guardCases.length + otherCases.length).toBeGreaterThanOrEqual(40);
  });

  for (const c of createCases) it(`POST /v1/hooks: ${c.what} → ${c.status}`, () => run(c));
  for (const c of guardCases) it(`POST /v1/hooks: ${c.what} → 422`, () => run(c));
  for (const c of otherCases) it(`${c.method} ${c.path}: ${c.what} → ${c.status}`, () => run(c));

  it("wrote nothing: the account still has its one hook, unchanged", async () => {
    const list = await call("GET", "/v1/hooks?limit=100", { token: key });
    expect(list.body.data.map((h: { name: string }) => h.name)).toEqual(["the-one"]);
    const hook = list.body.data[0];
    expect(hook).toMatchObject({ url: "https://example.com/one", events: [], name: "the-one" });
    expect(hook.updated_at).toBe(hook.created_at);
  });
});
