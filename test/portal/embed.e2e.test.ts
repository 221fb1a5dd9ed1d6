import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Frame, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRouter, until, type Router } from "../helpers/wrangler-dev";
import { routerApi } from "../helpers/router-api";

// The embeddable portal in Debian's Chromium: an account allows one origin to frame its portal
// (PATCH /v1/account {portal: {frame_ancestors}}); a page on that origin frames it and the portal runs
// inside, with the account's title and colour; the same page served from another origin is refused by
// the browser (CSP frame-ancestors). The two origins are two HTTP servers on 127.0.0.1 (another port
// is another origin), the router runs under `wrangler dev` on a third.

const ADMIN_TOKEN = "embed-test-admin-token-0123456789-UvWxYz-abcdefghijklmnopqrstuvwxyz";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** A site that serves one page framing `src` (set per test). */
class FramingSite {
  private server: Server;
  src = "about:blank";
  port = 0;
  constructor() {
    this.server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><title>host</title><h1>A customer's app</h1><iframe id="portal" src="${this.src}" width="1200" height="700"></iframe>`);
    });
  }
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as { port: number }).port;
  }
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe("the portal framed by another site", () => {
  let router: Router;
  let allowed: FramingSite;
  let other: FramingSite;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let apiKey: string;
  let accountId: string;
  const refusals: string[] = [];

  const api = routerApi(() => router.url, () => apiKey);
  const portalFrame = (): Frame | undefined => page.frames().find((f) => f !== page.mainFrame());

  beforeAll(async () => {
    allowed = new FramingSite();
    other = new FramingSite();
    await Promise.all([allowed.start(), other.start()]);
    router = await startRouter({ ADMIN_TOKEN, ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", AUTO_TEST_DELAY_SECONDS: "86400" });
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
    const account = (await (await fetch(`${router.url}/v1/accounts`, { method: "POST", headers: admin, body: '{"name":"Acme"}' })).json()) as any;
    const key = (await (await fetch(`${router.url}/v1/accounts/${account.id}/keys`, { method: "POST", headers: admin, body: '{"name":"embed"}' })).json()) as any;
    apiKey = key.key;
    accountId = account.id;
    await api("PATCH", "/v1/account", { portal: { frame_ancestors: [allowed.origin], title: "Acme Webhooks", accent_color: "#e4572e", logo_url: null } });

    profile = mkdtempSync(join(tmpdir(), "hookrouter-chromium-"));
    context = await chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => {
      if (/frame-ancestors/.test(m.text())) refusals.push(m.text());
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await router?.stop();
    await allowed?.stop();
    await other?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("runs inside a page of an allowed origin, as the account's portal", async () => {
    const session = await api("POST", "/v1/portal-sessions", { expires_in: 600 });
    expect(session.url).toContain(`/portal?account=${accountId}#token=`);
    allowed.src = session.url;
    await page.goto(allowed.origin);
    const frame = await until(async () => portalFrame(), "the portal's frame");
    await expect.poll(async () => (await frame.locator(".empty").first().textContent().catch(() => null)) ?? "", { timeout: 30_000 }).toContain("No hooks yet");
    expect(frame.url()).toMatch(new RegExp(`^${router.url}/portal\\?account=${accountId}`));
    expect(await frame.locator("header h1").textContent()).toBe("Acme Webhooks");
    expect(await frame.evaluate('getComputedStyle(document.documentElement).getPropertyValue("--accent").trim()')).toBe("#e4572e");
    expect(await frame.evaluate("document.title")).toBe("Hooks · Acme Webhooks");
    expect(refusals).toEqual([]);
  });

  it("framed, it opens only with a link's token for its own account, never with a typed-in key", async () => {
    const { token: foreign } = await (async () => {
      const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
      const acc = (await (await fetch(`${router.url}/v1/accounts`, { method: "POST", headers: admin, body: '{"name":"Other"}' })).json()) as any;
      const k = (await (await fetch(`${router.url}/v1/accounts/${acc.id}/keys`, { method: "POST", headers: admin, body: '{"name":"x"}' })).json()) as any;
      return api("POST", "/v1/portal-sessions", { expires_in: 600 }, k.key);
    })();
    allowed.src = `${router.url}/portal?account=${accountId}#token=${foreign}`;
    await page.goto(allowed.origin);
    const frame = await until(async () => portalFrame(), "the portal's frame");
    await expect.poll(async () => (await frame.locator(".sign-in").textContent().catch(() => null)) ?? "", { timeout: 30_000 }).toContain("This portal link is for another account.");
    expect(await frame.locator("input").count()).toBe(0); // no field to type a key into
  });

  it("is refused by the browser inside a page of any other origin", async () => {
    const session = await api("POST", "/v1/portal-sessions", { expires_in: 600 });
    other.src = session.url;
    refusals.length = 0;
    await page.goto(other.origin);
    await until(async () => refusals.length > 0, "Chromium's frame-ancestors refusal", 15_000);
    // "Framing 'http://127.0.0.1:…/' violates the following Content Security Policy directive: frame-ancestors http://127.0.0.1:…"
    expect(refusals[0]).toContain(`'${router.url}/'`);
    expect(refusals[0]).toContain(`frame-ancestors ${allowed.origin}`);
    const frame = portalFrame();
    // The frame holds Chromium's error page, never the portal.
    expect(frame?.url() ?? "").not.toContain("/portal");
    expect(await page.locator("#portal").count()).toBe(1);
    for (const f of page.frames()) expect(await f.locator("#main").count().catch(() => 0)).toBe(0);
  });
});
