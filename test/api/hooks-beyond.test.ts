import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";

// Content filters, payload transformations and signing profiles through the hook API, and the
// embeddable portal's settings (issue 19). Deliveries themselves: test/delivery/hooks-beyond.test.ts.

const SVIX_SECRET = "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";
const SVIX_PUBLIC = "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=";

let key: string;
let accountId: string;
beforeAll(async () => {
  ({ key, accountId } = await newAccount());
});

const create = (body: Record<string, unknown>) => call("POST", "/v1/hooks", { token: key, body: { name: `h-${crypto.randomUUID()}`, url: "https://example.com/in", ...body } });
const detailPaths = (a: { body: any }) => (a.body.error.details as Array<{ path: string }>).map((d) => d.path);

describe("content filters on hooks", () => {
  it("are stored, shown, changed and removed", async () => {
    const filter = { and: [{ path: "data.severity", eq: 1 }, { not: { path: "data.env", in: ["dev"] } }] };
    const made = await create({ filter });
    expect(made.status).toBe(201);
    expect(made.body.filter).toEqual(filter);
    expect((await call("GET", `/v1/hooks/${made.body.id}`, { token: key })).body.filter).toEqual(filter);
    const changed = await call("PATCH", `/v1/hooks/${made.body.id}`, { token: key, body: { filter: { path: "data.severity", lte: 2 } } });
    expect(changed.body.filter).toEqual({ path: "data.severity", lte: 2 });
    const removed = await call("PATCH", `/v1/hooks/${made.body.id}`, { token: key, body: { filter: null } });
    expect(removed.body.filter).toBeNull();
    expect((await create({})).body.filter).toBeNull();
  });

  it("refuse an invalid filter with a 400 naming the bad part, and create nothing", async () => {
    const bad = await create({ name: "bad-filter", filter: { and: [{ path: "data.a", eq: 1 }, { path: "data.b", gt: true }] } });
    expectErrorShape(bad, 400, "validation_failed");
    expect(detailPaths(bad)).toEqual(["filter.and.1.gt"]);
    expect(bad.body.error.message).toContain("filter.and.1.gt: expected a number");
    expect(detailPaths(await create({ filter: { path: "data..x", exists: true } }))).toEqual(["filter.path"]);
    expect(detailPaths(await create({ filter: { path: "x", whatever: 1 } }))).toEqual(["filter.whatever"]);
    expect(detailPaths(await create({ filter: "data.severity == 1" }))).toEqual(["filter"]);
    expect((await call("GET", "/v1/hooks/name-available?name=bad-filter", { token: key })).body.available).toBe(true);
  });

  it("decide GET /v1/hooks/active when a sample payload is given, as fan-out does", async () => {
    const { key: k } = await newAccount();
    const mk = (name: string, extra: object) => call("POST", "/v1/hooks", { token: k, body: { name, url: "https://example.com/x", events: ["alert.*"], ...extra } });
    await mk("plain", {});
    await mk("sev1", { filter: { path: "data.severity", eq: 1 } });
    const active = async (q: string) => (await call("GET", `/v1/hooks/active?event=alert.raised${q}`, { token: k })).body.data.map((h: any) => h.name).sort();
    expect(await active(`&data=${encodeURIComponent('{"severity":1}')}`)).toEqual(["plain", "sev1"]);
    expect(await active(`&data=${encodeURIComponent('{"severity":2}')}`)).toEqual(["plain"]);
    expect(await active("")).toEqual(["plain", "sev1"]); // payload unknown: filters not evaluated
    const bad = await call("GET", `/v1/hooks/active?event=alert.raised&data=${encodeURIComponent("[1]")}`, { token: k });
    expectErrorShape(bad, 400, "validation_failed");
    expectErrorShape(await call("GET", "/v1/hooks/active?event=alert.raised&data=%7Bnope", { token: k }), 400, "validation_failed");
  });

  it("POST /v1/hooks/filter-test evaluates a filter against a sample event", async () => {
    const test = (body: object) => call("POST", "/v1/hooks/filter-test", { token: key, body });
    expect((await test({ filter: { path: "data.severity", eq: 1 }, payload: { severity: 1 } })).body).toEqual({ matches: true });
    expect((await test({ filter: { path: "data.severity", eq: 1 }, payload: { severity: 3 } })).body).toEqual({ matches: false });
    expect((await test({ filter: { path: "type", prefix: "job_run." }, type: "job_run.failed", payload: {} })).body).toEqual({ matches: true });
    expect((await test({ filter: { path: "applications", contains: "billing" }, applications: ["billing"], payload: {} })).body).toEqual({ matches: true });
    const bad = await test({ filter: { or: [{ path: "a", in: "x" }] }, payload: {} });
    expectErrorShape(bad, 400, "validation_failed");
    expect(detailPaths(bad)).toEqual(["filter.or.0.in"]);
    expectErrorShape(await call("POST", "/v1/hooks/filter-test", { body: { filter: {}, payload: {} } }), 401, "unauthorized");
  });
});

describe("payload transformations on hooks", () => {
  const mlflow = { body: { entity: '{{ type | before_last: "." }}', action: '{{ type | after_last: "." }}', data: "{{ data }}" } };

  it("are stored and shown; refused with the bad string's place; refused on a slack hook", async () => {
    const made = await create({ transform: mlflow });
    expect(made.status).toBe(201);
    expect(made.body.transform).toEqual(mlflow);
    const bad = await create({ transform: { body: { card: { title: "{{ data.x | uper }}" } } } });
    expectErrorShape(bad, 400, "validation_failed");
    expect(detailPaths(bad)).toEqual(["transform.body.card.title"]);
    expect(bad.body.error.message).toContain('unknown filter "uper"');
    const slack = await call("POST", "/v1/hooks", { token: key, body: { name: "slack-t", kind: "slack", slack: { channel_id: "C123" }, transform: mlflow } });
    expectErrorShape(slack, 422, "unprocessable");
    expect(detailPaths(slack)).toEqual(["transform"]);
    expect((await call("PATCH", `/v1/hooks/${made.body.id}`, { token: key, body: { transform: null } })).body.transform).toBeNull();
  });

  it("POST /v1/hooks/transform-test shows the body a receiver would get, or why it fails", async () => {
    const test = (body: object) => call("POST", "/v1/hooks/transform-test", { token: key, body });
    const ok = await test({ transform: mlflow, type: "model_version.created", payload: { name: "churn", version: 3 } });
    expect(ok.status).toBe(200);
    expect(ok.body.ok).toBe(true);
    expect(JSON.parse(ok.body.body)).toEqual({ entity: "model_version", action: "created", data: { name: "churn", version: 3 } });
    const failed = await test({ transform: { body: { run: "{{ data.run_id | required }}" } }, payload: {} });
    expect(failed.body).toEqual({ ok: false, body: null, error: "transform_failed: {{data.run_id | required}}: the event has no value there" });
    const invalid = await test({ transform: { body: "{{ data" }, payload: {} });
    expectErrorShape(invalid, 400, "validation_failed");
    expect(detailPaths(invalid)).toEqual(["transform.body"]);
  });
});

describe("signing profiles", () => {
  it("a v1a hook shows its public key, never its private key, and rotates to a new pair", async () => {
    const made = await create({ signing_scheme: "v1a" });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ signing_scheme: "v1a", secret: null, public_key: expect.stringMatching(/^whpk_/) });
    const secret = await call("GET", `/v1/hooks/${made.body.id}/secret`, { token: key });
    expect(secret.body).toEqual({ signing_scheme: "v1a", secret: null, previous_secret: null, public_key: made.body.public_key, previous_public_key: null, previous_secret_expires_at: null });
    const rotated = await call("POST", `/v1/hooks/${made.body.id}/secret/rotate`, { token: key, body: { grace_seconds: 3600 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ signing_scheme: "v1a", secret: null, previous_secret: null, previous_public_key: made.body.public_key, previous_secret_expires_at: expect.any(String) });
    expect(rotated.body.public_key).toMatch(/^whpk_/);
    expect(rotated.body.public_key).not.toBe(made.body.public_key);
    expect((await call("GET", `/v1/hooks/${made.body.id}`, { token: key })).body.public_key).toBe(rotated.body.public_key);
  });

  it("imports keys as they are: a whsk_ key keeps its public key, a raw base64 secret stays raw", async () => {
    const v1a = await create({ signing_scheme: "v1a", secret: SVIX_SECRET });
    expect(v1a.body).toMatchObject({ signing_scheme: "v1a", public_key: SVIX_PUBLIC, secret: null });
    const raw = btoa("an existing receiver keeps this secret");
    const v1 = await create({ secret: raw });
    expect(v1.body).toMatchObject({ signing_scheme: "v1", public_key: null, secret: raw });
    expect((await call("GET", `/v1/hooks/${v1.body.id}/secret`, { token: key })).body.secret).toBe(raw);
  });

  it("refuses a key of the other scheme (422) and a secret that is neither (400)", async () => {
    const wrong = await create({ signing_scheme: "v1", secret: SVIX_SECRET });
    expectErrorShape(wrong, 422, "unprocessable");
    expect(detailPaths(wrong)).toEqual(["secret"]);
    expectErrorShape(await create({ signing_scheme: "v1a", secret: "whsec_" + btoa("x".repeat(32)) }), 422, "unprocessable");
    const tampered = SVIX_SECRET.slice(0, -8) + "AAAAAA==";
    expectErrorShape(await create({ signing_scheme: "v1a", secret: tampered }), 422, "unprocessable");
    expectErrorShape(await create({ secret: btoa("short") }), 400, "validation_failed");
    expectErrorShape(await create({ signing_scheme: "v2" }), 400, "validation_failed");
  });

  it("changing the scheme gives the hook a new key of it and sets state new", async () => {
    const made = await create({});
    const moved = await call("PATCH", `/v1/hooks/${made.body.id}`, { token: key, body: { signing_scheme: "v1a" } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ signing_scheme: "v1a", public_key: expect.stringMatching(/^whpk_/), state: "new" });
    const back = await call("PATCH", `/v1/hooks/${made.body.id}`, { token: key, body: { signing_scheme: "v1" } });
    expect(back.body).toMatchObject({ signing_scheme: "v1", public_key: null });
    expect((await call("GET", `/v1/hooks/${made.body.id}/secret`, { token: key })).body.secret).toMatch(/^whsec_/);
  });
});

describe("the embeddable portal", () => {
  const settings = { frame_ancestors: ["https://app.example.com", "https://*.customer.example"], title: "Acme <Webhooks>", accent_color: "#ff6600", logo_url: "https://cdn.example.com/logo.png" };

  it("is locked down by default: frame-ancestors 'none', X-Frame-Options, hookrouter's title", async () => {
    const account = await call("GET", "/v1/account", { token: key });
    expect(account.body.portal).toBeNull();
    for (const page of [await call("GET", "/portal"), await call("GET", `/portal?account=${accountId}`)]) {
      expect(page.status).toBe(200);
      expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(page.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(page.body).toContain("<title>hookrouter portal</title>");
    }
    expect((await call("POST", "/v1/portal-sessions", { token: key })).body.url).toMatch(/^http:\/\/hookrouter\.test\/portal#token=/);
  });

  it("an account's settings let its origins frame its page, with its title, colour and logo", async () => {
    const { key: k, accountId: id } = await newAccount();
    const set = await call("PATCH", "/v1/account", { token: k, body: { portal: settings } });
    expect(set.status).toBe(200);
    expect(set.body.portal).toEqual(settings);
    const page = await call("GET", `/portal?account=${id}`);
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toContain("frame-ancestors https://app.example.com https://*.customer.example");
    expect(csp).toContain("img-src 'self' data: https://cdn.example.com");
    expect(csp).not.toMatch(/unsafe-(eval|inline)/);
    expect(page.headers.get("x-frame-options")).toBeNull();
    expect(page.body).toContain("<title>Acme &lt;Webhooks&gt;</title>");
    expect(page.body).not.toContain("<Webhooks>");
    expect(page.body).toContain(`data-account="${id}"`);
    expect(page.body).toContain('<img class="logo" src="https://cdn.example.com/logo.png" alt="">');
    // The one inline style is the accent colour, allowed by its hash and nothing else.
    const style = /<style>([^<]*)<\/style>/.exec(page.body)![1]!;
    expect(style).toBe(":root{--accent:#ff6600}");
    const hash = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(style)))));
    expect(csp).toContain(`style-src 'self' 'sha256-${hash}'`);
    // Its links name the account, so the page that opens is its own.
    expect((await call("POST", "/v1/portal-sessions", { token: k })).body.url).toMatch(new RegExp(`^http://hookrouter\\.test/portal\\?account=${id}#token=hrp_`));
    // Another account's page (and an unknown one) stays locked down.
    expect((await call("GET", `/portal?account=${accountId}`)).headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect((await call("GET", "/portal?account=acc_00000000000000000000000000")).headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    // null restores the defaults.
    expect((await call("PATCH", "/v1/account", { token: k, body: { portal: null } })).body.portal).toBeNull();
    expect((await call("GET", `/portal?account=${id}`)).headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("refuses values that could break out of the header or the page, naming the field", async () => {
    const bad = async (portal: object, field: string) => {
      const res = await call("PATCH", "/v1/account", { token: key, body: { portal } });
      expectErrorShape(res, 400, "validation_failed");
      expect(detailPaths(res)).toContain(field);
    };
    await bad({ frame_ancestors: ["https://a.example.com; script-src *"] }, "portal.frame_ancestors.0");
    await bad({ frame_ancestors: ["*"] }, "portal.frame_ancestors.0");
    await bad({ frame_ancestors: ["https://ok.example.com", "'self'"] }, "portal.frame_ancestors.1");
    await bad({ frame_ancestors: ["http://plain.example.com"] }, "portal.frame_ancestors.0");
    await bad({ frame_ancestors: ["https://a.example.com/path"] }, "portal.frame_ancestors.0");
    await bad({ accent_color: "red; background: url(x)" }, "portal.accent_color");
    await bad({ logo_url: "javascript:alert(1)" }, "portal.logo_url");
    await bad({ logo_url: "https://x.example.com/a b.png" }, "portal.logo_url");
    await bad({ logo_url: "http://cdn.example.com/logo.png" }, "portal.logo_url");
    await bad({ title: "" }, "portal.title");
    await bad({ nope: 1 }, "portal");
    expect((await call("GET", "/v1/account", { token: key })).body.portal).toBeNull();
  });
});
