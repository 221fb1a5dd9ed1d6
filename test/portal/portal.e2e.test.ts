import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startRouter, until, type Router } from "../helpers/wrangler-dev";
import { routerApi } from "../helpers/router-api";

// The portal as a person uses it: Debian's Chromium, headless, driven by playwright-core, against the
// router under `wrangler dev` and a real HTTP receiver on 127.0.0.1. Screenshots of the main pages go
// to test/screenshots/ (git-ignored; docs/portal.png is one of them).

const ADMIN_TOKEN = "portal-test-admin-token-0123456789-UvWxYz-abcdefghijklmnopqrstuvwxyz";
const SHOTS = join(ROOT, "test", "screenshots");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Answers 200 on /ok; on /flaky 500 "nope" until told otherwise. Counts what it got per path. */
class LocalReceiver {
  private server: Server;
  flakyFails = true;
  readonly got = new Map<string, number>();
  port = 0;
  constructor() {
    this.server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const path = req.url ?? "/";
        this.got.set(path, (this.got.get(path) ?? 0) + 1);
        if (path === "/flaky" && this.flakyFails) {
          res.writeHead(500, { "content-type": "text/plain" }).end("nope: the flaky receiver is down");
        } else res.writeHead(200, { "content-type": "application/json" }).end('{"received":true}');
      });
    });
  }
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as { port: number }).port;
  }
  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe("the portal in Chromium", () => {
  let router: Router;
  let receiver: LocalReceiver;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let apiKey: string;
  const problems: string[] = [];

  const api = routerApi(() => router.url, () => apiKey);
  const shot = async (name: string) => {
    await page.locator("#messages").evaluate((el) => el.replaceChildren()); // the page, not old notices
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const chart = (nth = 0) => page.locator("svg.chart").nth(nth);
  const hookRow = (name: string) => page.locator(`tr[data-hook-name="${name}"]`);

  beforeAll(async () => {
    receiver = new LocalReceiver();
    await receiver.start();
    router = await startRouter({
      ADMIN_TOKEN,
      ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
      ALLOW_PRIVATE_TARGETS: "true",
      RETRY_SCHEDULE: "1,1", // three attempts a second apart, then dead
      DELIVERY_TIMEOUT_MS: "3000",
    });
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
    const account = (await (await fetch(`${router.url}/v1/accounts`, { method: "POST", headers: admin, body: '{"name":"Acme"}' })).json()) as any;
    const key = (await (await fetch(`${router.url}/v1/accounts/${account.id}/keys`, { method: "POST", headers: admin, body: '{"name":"portal"}' })).json()) as any;
    apiKey = key.key;
    for (const [name, description] of [
      ["order.created", "An order was placed"],
      ["order.paid", "An order was paid"],
      ["order.refunded", "An order was refunded"],
    ]) {
      await api("PUT", `/v1/event-types/${name}`, { description });
    }

    profile = mkdtempSync(join(tmpdir(), "hookrouter-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await router?.stop();
    await receiver?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("opens from a portal link, creates hooks from the catalog, tests one, and shows API errors", async () => {
    const session = await api("POST", "/v1/portal-sessions", { expires_in: 3600 });
    await page.goto(session.url);
    await expect.poll(() => page.locator(".empty").first().textContent()).toContain("No hooks yet");
    expect(page.url()).not.toContain("hrp_"); // the token left the address bar
    expect(await page.evaluate("JSON.stringify(sessionStorage)")).not.toContain(apiKey);
    // ricloud: an organisation needs a valid config. None yet, so every page warns.
    await expect.poll(() => page.locator("#health").isVisible()).toBe(true);
    expect(await page.locator("#health").textContent()).toContain("no organisation default");

    const create = async (name: string, path: string, events: string[]) => {
      await page.getByRole("button", { name: "New hook" }).click();
      await page.getByLabel("Name", { exact: true }).fill(name);
      await page.getByLabel("URL", { exact: true }).fill(receiver.url(path));
      for (const e of events) await page.getByLabel(e, { exact: true }).check();
      await page.getByRole("button", { name: "Create hook" }).click();
      await expect.poll(() => page.locator("#hook-panel h3").textContent()).toBe(`Created ${name}`);
      expect(await page.locator("#hook-panel [data-test=secret]").textContent()).toMatch(/^whsec_/);
    };
    await create("orders", "/ok", ["order.created", "order.paid"]);
    await create("flaky", "/flaky", ["order.created"]);
    await expect.poll(() => hookRow("orders").locator("td").nth(2).textContent()).toContain("order.created, order.paid");

    await hookRow("orders").getByRole("button", { name: "Test" }).click();
    const result = page.locator("[data-test=test-result]");
    await expect.poll(() => result.locator("h3").textContent()).toBe("Test of orders: success");
    expect(await result.textContent()).toContain("200");
    expect(await result.locator("pre").textContent()).toBe('{"received":true}');
    await expect.poll(() => hookRow("orders").locator("td.last-test").textContent()).toMatch(/✓ 200/);
    // The live state (circuit) arrives after the row: wait for it.
    await expect.poll(() => hookRow("orders").locator("td.circuit").textContent()).toBe("closed");
    expect(receiver.got.get("/ok")).toBeGreaterThanOrEqual(1);

    // an API refusal is shown as a message, not swallowed
    await page.getByRole("button", { name: "New hook" }).click();
    await page.getByLabel("Name", { exact: true }).fill("orders");
    await page.getByLabel("URL", { exact: true }).fill(receiver.url("/ok"));
    await page.getByRole("button", { name: "Create hook" }).click();
    await expect.poll(() => page.locator(".message.error").first().textContent()).toContain('a hook named "orders" already exists');
    await page.getByRole("button", { name: "Cancel" }).click();
  });

  it("shows published events as deliveries, opens a failed one, retries it, and the chart changes", async () => {
    const hooks = (await api("GET", "/v1/hooks")).data as Array<{ id: string; name: string }>;
    const flaky = hooks.find((h) => h.name === "flaky")!.id;
    for (let i = 1; i <= 3; i++) await api("POST", "/v1/events", { type: "order.created", payload: { order: i } });
    await api("POST", "/v1/events", { type: "order.paid", payload: { order: 1 } });
    // 4 deliveries to orders (succeeded), 3 to flaky (dead after 3 attempts)
    await until(async () => {
      const d = (await api("GET", `/v1/deliveries?hook_id=${flaky}&status=dead`)).data;
      return d.length === 3;
    }, "the flaky hook's deliveries to die");

    await page.getByRole("link", { name: "Overview" }).click();
    // "orders" passed its test: the default has a valid hook, the warning is gone.
    await expect.poll(() => page.locator("#health").isVisible()).toBe(false);
    await expect.poll(() => chart(0).getAttribute("data-total")).toBe("7");
    expect(await chart(0).getAttribute("data-succeeded")).toBe("4");
    expect(await chart(0).getAttribute("data-failed")).toBe("3");
    await page.locator("select[name=hook_id]").selectOption({ label: "flaky" });
    await expect.poll(() => chart(1).getAttribute("data-total")).toBe("3");
    await shot("overview");

    await page.getByRole("link", { name: "Deliveries" }).click();
    await expect.poll(() => page.locator("tr[data-delivery-id]").count()).toBe(7);
    await page.locator("form.filters select[name=status]").selectOption("dead");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => page.locator("tr[data-delivery-id]").count()).toBe(3);
    await page.locator("form.filters select[name=status]").selectOption("");
    await page.locator("form.filters input[name=event_type]").fill("order.paid");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => page.locator("tr[data-delivery-id]").count()).toBe(1);
    await page.locator("form.filters input[name=event_type]").fill("");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => page.locator("tr[data-delivery-id]").count()).toBe(7);
    await shot("deliveries");

    const dead = page.locator('tr[data-status="dead"]').first();
    const deliveryId = await dead.getAttribute("data-delivery-id");
    await dead.click();
    const panel = page.locator("#delivery-panel");
    await expect.poll(() => panel.locator("table.attempts tbody tr").count()).toBe(3);
    const attempt = panel.locator("table.attempts tbody tr").first();
    expect(await attempt.locator("td").nth(2).textContent()).toBe("500");
    expect(await attempt.locator("td").nth(3).textContent()).toMatch(/^\d+ ms$/);
    expect(await attempt.locator("pre").textContent()).toBe("nope: the flaky receiver is down");
    expect(await panel.locator("[data-test=delivery-status]").textContent()).toBe("dead");
    await shot("delivery");

    receiver.flakyFails = false;
    await panel.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => panel.locator("[data-test=delivery-status]").textContent(), { timeout: 30_000 }).toBe("succeeded");
    expect(await panel.locator("table.attempts tbody tr").count()).toBe(4);
    expect((await api("GET", `/v1/deliveries/${deliveryId}`)).status).toBe("succeeded");

    // recover since: the other two dead deliveries go out again and land
    await panel.getByRole("button", { name: "Recover" }).click();
    await expect.poll(() => page.locator(".message.notice").first().textContent()).toContain("Queued 2 failed or dead deliveries of flaky");
    await until(async () => (await api("GET", `/v1/deliveries?hook_id=${flaky}&status=succeeded`)).data.length === 3, "the recovered deliveries");

    await page.getByRole("link", { name: "Overview" }).click();
    await expect.poll(() => chart(0).getAttribute("data-succeeded")).toBe("7");
    expect(await chart(0).getAttribute("data-failed")).toBe("0");
  });

  it("shows the hooks' 24 h numbers, reveals and rotates a secret, disables and deletes with confirmation", async () => {
    await page.getByRole("link", { name: "Hooks" }).click();
    await expect.poll(() => hookRow("orders").locator("td.volume").textContent()).toBe("4");
    expect(await hookRow("orders").locator("td.rate").textContent()).toBe("100 %");
    expect(await hookRow("flaky").locator("td.volume").textContent()).toBe("3");
    await expect.poll(() => hookRow("flaky").locator("td.circuit").textContent()).toBe("closed");
    await shot("hooks");

    await hookRow("orders").getByRole("button", { name: "Secret" }).click();
    await page.getByRole("button", { name: "Reveal secret" }).click();
    const secret = page.locator("#hook-panel [data-test=secret]");
    await expect.poll(() => secret.textContent()).toMatch(/^whsec_/);
    const before = await secret.textContent();
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await page.locator("dialog").getByRole("button", { name: "Rotate" }).click();
    await expect.poll(() => secret.textContent()).not.toBe(before);
    expect(await page.locator("#hook-panel").textContent()).toContain(before!); // the previous one still signs

    await hookRow("flaky").getByRole("button", { name: "Disable" }).click();
    await expect.poll(() => hookRow("flaky").locator("td").nth(4).textContent()).toContain("disabled");
    await hookRow("flaky").getByRole("button", { name: "Delete" }).click();
    await page.locator("dialog").getByRole("button", { name: "Cancel" }).click();
    expect(await hookRow("flaky").count()).toBe(1); // cancelled: still there
    await hookRow("flaky").getByRole("button", { name: "Delete" }).click();
    await page.locator("dialog").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => hookRow("flaky").count()).toBe(0);
    expect((await api("GET", "/v1/hooks")).data.map((h: { name: string }) => h.name)).toEqual(["orders"]);

    await hookRow("orders").getByRole("button", { name: "Edit" }).click();
    expect(await page.getByLabel("order.paid", { exact: true }).isChecked()).toBe(true);
    await page.getByLabel("Description", { exact: true }).fill("Order events for the warehouse");
    await page.getByLabel("order.refunded", { exact: true }).check();
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => hookRow("orders").locator("td").first().textContent()).toContain("Order events for the warehouse");
    expect((await api("GET", "/v1/hooks")).data[0].events).toEqual(["order.created", "order.paid", "order.refunded"]);

    // Ordered delivery on the form: set, shown again when editing, then back to none for the next tests.
    await hookRow("orders").getByRole("button", { name: "Edit" }).click();
    await page.locator("select[name=ordering]").selectOption("fifo");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(async () => (await api("GET", "/v1/hooks")).data[0].ordering).toBe("fifo");
    // The table shows it once it has reloaded: only then does its Edit open the saved hook.
    await expect.poll(() => hookRow("orders").textContent()).toContain("in publish order (fifo)");
    await hookRow("orders").getByRole("button", { name: "Edit" }).click();
    expect(await page.locator("select[name=ordering]").inputValue()).toBe("fifo");
    await page.locator("select[name=ordering]").selectOption("none");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(async () => (await api("GET", "/v1/hooks")).data[0].ordering).toBe("none");
    await expect.poll(() => hookRow("orders").textContent()).not.toContain("in publish order");
  });

  it("pages a long list of deliveries", async () => {
    for (let i = 0; i < 20; i++) await api("POST", "/v1/events", { type: "order.refunded", payload: { order: i } });
    // 7 earlier deliveries + 20 now: a page of 25 and one of 2
    await page.getByRole("link", { name: "Deliveries" }).click();
    await expect.poll(() => page.locator("tr[data-delivery-id]").count()).toBe(25);
    await page.getByRole("button", { name: "Next →" }).click();
    await expect.poll(() => page.locator(".pager span").textContent()).toBe("Page 2");
    expect(await page.locator("tr[data-delivery-id]").count()).toBe(2);
    await page.getByRole("button", { name: "← Previous" }).click();
    await expect.poll(() => page.locator("tr[data-delivery-id]").count()).toBe(25);
  });

  it("shows the account's tunnels on the overview, and whether a CLI is connected", async () => {
    await api("POST", "/v1/hooks", { name: "on-my-laptop", url: "tunnel://laptop", events: ["order.paid"] });
    // The CLI's end of the tunnel, as `hookrouter listen --tunnel laptop` opens it.
    const cli = new WebSocket(`${router.url.replace(/^http/, "ws")}/v1/tunnels/laptop/connect`, {
      headers: { authorization: `Bearer ${apiKey}`, "user-agent": "hookrouter-cli (listen)" },
    });
    await new Promise((resolve, reject) => cli.once("message", resolve).once("error", reject));

    await page.getByRole("link", { name: "Overview" }).click();
    const row = page.locator('table.tunnels tr[data-tunnel="laptop"]');
    await expect.poll(() => row.locator("td").nth(1).textContent()).toBe("connected");
    expect(await row.textContent()).toContain("tunnel://laptop");
    expect(await row.textContent()).toContain("hookrouter-cli (listen)");
    await shot("tunnels");

    cli.close();
    await new Promise((resolve) => cli.once("close", resolve));
    await expect
      .poll(async () => {
        await page.getByRole("button", { name: "Refresh" }).click();
        return row.locator("td").nth(1).textContent();
      })
      .toBe("not connected");
  });

  it("replays an event to a delivery's hook, and a window of events to a hook as a job whose progress it shows", async () => {
    const orders = (await api("GET", "/v1/hooks")).data.find((h: { name: string }) => h.name === "orders").id;
    const toOk = () => receiver.got.get("/ok") ?? 0;
    await page.getByRole("link", { name: "Deliveries" }).click();
    await page.locator("select[name=hook_id]").selectOption({ label: "orders" });
    await page.locator("form.filters input[name=event_type]").fill("order.paid");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => page.locator("tr[data-delivery-id]").count()).toBe(1);
    const eventId = (await api("GET", `/v1/deliveries?hook_id=${orders}&event_type=order.paid`)).data[0].event_id;
    await page.locator("tr[data-delivery-id]").first().click();
    const before = toOk();
    await page.locator("#delivery-panel").getByRole("button", { name: "Replay event" }).click();
    await expect.poll(() => page.locator(".message.notice").first().textContent()).toMatch(/^Event replayed to orders: new delivery dlv_/);
    await expect.poll(() => page.locator("#delivery-panel [data-test=delivery-status]").textContent(), { timeout: 30_000 }).toBe("succeeded");
    expect((await api("GET", `/v1/events/${eventId}`)).delivery_count).toBe(2);
    // The panel shows the delivery it was opened on (succeeded already): wait for the new one's receipt.
    await expect.poll(toOk, { timeout: 30_000 }).toBe(before + 1);

    await page.getByRole("link", { name: "Hooks" }).click();
    await hookRow("orders").getByRole("button", { name: "Replay" }).click();
    const panel = page.locator("#hook-panel");
    await panel.locator("input[name=event_types]").fill("order.created");
    await panel.getByRole("button", { name: "Start replay" }).click();
    await expect.poll(() => panel.locator("[data-test=replay-status]").textContent(), { timeout: 30_000 }).toBe("done");
    expect(await panel.locator("[data-test=replay-replayed]").textContent()).toMatch(/^3 new deliveries \(0 skipped of 3 events read; log shards 1\/1\)$/);
    // The recent jobs list the one just started (listed when it started: its status then).
    const jobId = (await panel.locator("[data-test=replay-job] h4 code").textContent())!;
    await expect.poll(() => panel.locator("[data-test=replay-jobs] tbody tr").first().textContent()).toContain(jobId);
    await shot("replay");
    await until(async () => toOk() === before + 4, "the replayed order.created events to reach the receiver");
  });

  it("shows the catalog and the verification snippet, and opens with a typed-in API key without keeping it", async () => {
    await page.getByRole("link", { name: "Event catalog" }).click();
    await expect.poll(() => page.locator("table.catalog tbody tr").count()).toBe(3);
    // hookrouter's own operational event types, listed apart from the account's catalog.
    await expect.poll(() => page.locator("[data-test=built-in-types] tbody tr").count()).toBe(5);
    expect(await page.locator("[data-test=built-in-types]").textContent()).toContain("hookrouter.delivery.dead");
    expect(await page.locator("[data-test=snippet]").textContent()).toContain('new Webhook(process.env.HOOK_SECRET)');
    await shot("catalog");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.locator("input[name=credential]").fill(apiKey);
    await page.getByRole("button", { name: "Open" }).click();
    await page.getByRole("link", { name: "Hooks" }).click();
    await expect.poll(() => hookRow("orders").count()).toBe(1);
    const stored = await page.evaluate("JSON.stringify(sessionStorage)");
    expect(stored).toContain("hrp_");
    expect(stored).not.toContain(apiKey);

    // a forged token gets the sign-in form or an error, never data
    await page.evaluate("sessionStorage.clear()");
    const claims = Buffer.from(JSON.stringify({ a: "acc_x", k: "key_x", p: null, e: Math.floor(Date.now() / 1000) + 600 })).toString("base64url");
    await page.goto(`${router.url}/portal#token=hrp_${claims}.${"A".repeat(43)}`);
    await expect.poll(() => page.locator(".message.error").first().textContent()).toMatch(/valid API key or portal token/);
    expect(await page.locator("tr[data-hook-id]").count()).toBe(0);

    expect(problems).toEqual([]); // no script error, no blocked resource (CSP) anywhere above
  });
});
