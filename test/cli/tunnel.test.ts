import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer as createTcpServer, connect as tcpConnect, type Server as TcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, unwrap } from "hookrouter/client";
import { ADMIN_TOKEN, cli, cliJson, Listener, startRouter, until, type Router } from "./harness";

// `hookrouter listen --tunnel` as a user runs it, against `wrangler dev` with the outbound URL guard
// ON, as in production: the router cannot call 127.0.0.1, so everything below reaches this machine
// through the tunnel alone. One router for the file (each start costs seconds), few tests.

let router: Router;
let env: Record<string, string>;
let apiKey: string;
const listeners: Listener[] = [];

/** The developer's local server behind `--forward`: records what it gets, decides gate calls by node_count. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
let local: { server: Server; url: string; received: Received[] };

function listen(args: string[], extraEnv: Record<string, string> = {}): Listener {
  const l = new Listener(args, { ...env, ...extraEnv });
  listeners.push(l);
  return l;
}

/** A CLI call that must succeed; its --json output parsed. */
const json = <T = any>(args: string[]): Promise<T> => cliJson<T>(args, env);

function startLocalServer(): Promise<typeof local> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ path: req.url ?? "/", headers: req.headers, body });
      const parsed = JSON.parse(body);
      const answer = String(req.headers["webhook-id"]).startsWith("gate_")
        ? parsed.data.node_count <= 5
          ? { approved: true, organisation_id: "org-7" }
          : { approved: false, reason: "at most 5 nodes on this plan" }
        : { received: parsed.id };
      res.writeHead(200, { "content-type": "application/json", "x-local-server": "yes" }).end(JSON.stringify(answer));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as any).port}`, received })));
}

/** A TCP proxy in front of the router whose connections the test can cut (and refuse) at will: the socket "drops". */
class CuttableProxy {
  private sockets = new Set<Socket>();
  private refusing = false;
  private constructor(
    private server: TcpServer,
    readonly url: string,
  ) {}

  static start(target: string): Promise<CuttableProxy> {
    const { hostname, port } = new URL(target);
    let proxy!: CuttableProxy;
    const server = createTcpServer((client) => {
      if (proxy.refusing) return client.destroy();
      const upstream = tcpConnect(Number(port), hostname);
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on("close", () => proxy.sockets.delete(s));
        s.on("error", () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    return new Promise((resolve) =>
      server.listen(0, "127.0.0.1", () => {
        proxy = new CuttableProxy(server, `http://127.0.0.1:${(server.address() as any).port}`);
        resolve(proxy);
      }),
    );
  }

  /** Drops every connection and refuses new ones until `resume`. */
  cut(): void {
    this.refusing = true;
    for (const s of this.sockets) s.destroy();
  }

  resume(): void {
    this.refusing = false;
  }

  close(): void {
    this.cut();
    this.server.close();
  }
}

beforeAll(async () => {
  [router, local] = await Promise.all([
    startRouter({
      ADMIN_TOKEN,
      ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
      ALLOW_PRIVATE_TARGETS: "false",
      // 21 attempts 2 s apart: a delivery outlives a tunnel down for a while (the CLI's backoff included).
      RETRY_SCHEDULE: Array(20).fill("2").join(","),
      DELIVERY_TIMEOUT_MS: "3000",
      GATE_TIMEOUT_MS: "3000",
    }),
    startLocalServer(),
  ]);
  const home = mkdtempSync(join(tmpdir(), "hookrouter-tunnel-home-"));
  env = { HOOKROUTER_URL: router.url, HOOKROUTER_CONFIG: join(home, "config.json") };
  const init = await cli(["init"], { ...env, HOOKROUTER_ADMIN_TOKEN: ADMIN_TOKEN });
  expect(init.code).toBe(0);
  apiKey = JSON.parse(readFileSync(env.HOOKROUTER_CONFIG!, "utf8")).api_key;
}, 120_000);

afterAll(async () => {
  await Promise.all(listeners.map((l) => l.stop("SIGKILL")));
  local?.server.close();
  await router?.stop();
}, 30_000);

describe("listen --tunnel --forward, with the URL guard on", () => {
  let tunnel: Listener;
  let postHook: { id: string; secret: string };

  beforeAll(async () => {
    tunnel = listen(["--tunnel", "laptop", "--forward", `${local.url}/webhooks`, "--register", "--pre", "--events", "cluster.*"]);
    const [, id, secret] = (await tunnel.waitFor(/registered hook (hook_\w+) → tunnel:\/\/laptop.*\n\s+secret (whsec_\S+)/))!;
    postHook = { id: id!, secret: secret! };
    await tunnel.waitFor(/tunnel laptop connected: requests to tunnel:\/\/laptop go to/);
  });

  it("hands the local server a delivery signed with the hook's secret, and records the server's answer", async () => {
    const event = await json(["send", "cluster.created", '{"cluster_name": "demo"}']);
    const got = await until(async () => local.received.find((r) => r.body.includes(event.id)), "the delivery at the local server");
    expect(got.path).toBe("/webhooks");
    // Exactly what a Standard Webhooks receiver verifies: the hook's secret, these headers, these bytes.
    const verified = new Webhook(postHook.secret).verify(got.body, got.headers as Record<string, string>) as any;
    expect(verified).toMatchObject({ id: event.id, type: "cluster.created", data: { cluster_name: "demo" } });

    const delivery = await until(async () => {
      const [d] = (await json(["deliveries", "list", "--event", event.id])).data;
      return d?.status === "succeeded" ? d : undefined;
    }, "the delivery to succeed");
    const detail = await json(["deliveries", "get", delivery.id]);
    expect(detail.attempt_log[0]).toMatchObject({ response_status: 200, response_body: JSON.stringify({ received: event.id }) });
    expect(tunnel.output).toMatch(/delivery {2}cluster\.created {2}→ 200/);
  });

  it("lets the local server approve and reject gate calls", async () => {
    const approved = await cli(["gate", "cluster.create", '{"node_count": 3}', "--json"], env);
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ approved: true, context: { organisation_id: "org-7" } });

    const rejected = await cli(["gate", "cluster.create", '{"node_count": 9}'], env);
    expect(rejected.code).toBe(3);
    expect(rejected.stdout).toMatch(/REJECTED[\s\S]*rejected\s+\d+ ms\s+at most 5 nodes on this plan/);
    const gateCall = local.received.find((r) => String(r.headers["webhook-id"]).startsWith("gate_") && r.body.includes('"node_count":9'));
    expect(gateCall?.headers["webhook-signature"]).toMatch(/^v1,/);
  });

  it("never lets another account's key attach to the tunnel: 404", async () => {
    const admin = createClient({ url: router.url, apiKey: ADMIN_TOKEN });
    const other = await unwrap(admin.v1.accounts.$post({ json: { name: "intruder" } }));
    const key = await unwrap(admin.v1.accounts[":id"].keys.$post({ param: { id: other.id }, json: { name: "k" } }));
    const intruder = await cli(["listen", "--tunnel", "laptop", "--forward", `${local.url}/stolen`], { ...env, HOOKROUTER_API_KEY: key.key });
    expect(intruder.code).toBe(1);
    expect(intruder.stderr).toContain("tunnel not found: no hook of this account delivers to tunnel://laptop (404 not_found)");
    // The owner's tunnel is still its own, and listed as connected to the owner only.
    const mine = await unwrap(createClient({ url: router.url, apiKey }).v1.tunnels.$get());
    expect(mine.data.find((t) => t.name === "laptop")).toMatchObject({ connected: true, client: "hookrouter-cli (forward)" });
    expect((await unwrap(createClient({ url: router.url, apiKey: key.key }).v1.tunnels.$get())).data).toEqual([]);
    const listed = await cli(["tunnels"], env);
    expect(listed.stdout).toMatch(/tunnel:\/\/laptop\s+connected\s+\S+\s+hookrouter-cli \(forward\)\s+hook_\w+, hook_\w+/);
  });
});

describe("a dropped tunnel", () => {
  it("reconnects, and the delivery that failed while it was down is retried and lands", async () => {
    const proxy = await CuttableProxy.start(router.url);
    try {
      const l = listen(["--tunnel", "flaky", "--forward", `${local.url}/flaky`, "--register", "--events", "flaky.*"], { HOOKROUTER_URL: proxy.url, HOOKROUTER_API_KEY: apiKey });
      await l.waitFor(/tunnel flaky connected/);

      proxy.cut();
      await l.waitFor(/tunnel flaky: connection lost/);
      // The router has seen the socket close too (no relay can be waiting on a dead socket).
      const api = createClient({ url: router.url, apiKey });
      await until(async () => (await unwrap(api.v1.tunnels.$get())).data.find((t) => t.name === "flaky")?.connected === false, "the router to see the tunnel down");
      const event = await json(["send", "flaky.ping", '{"n": 1}']);
      const failed = await until(async () => {
        const [d] = (await json(["deliveries", "list", "--event", event.id])).data;
        return d && d.attempts >= 1 && d.status === "failed" ? d : undefined;
      }, "a first attempt to fail while the tunnel is down");
      const detail = await json(["deliveries", "get", failed.id]);
      expect(detail.attempt_log[0].error).toBe("connection failed: no `hookrouter listen --tunnel flaky` is connected to tunnel://flaky");

      proxy.resume();
      await l.waitFor(/tunnel flaky connected[\s\S]*tunnel flaky connected/, 60_000);
      const landed = await until(async () => {
        const [d] = (await json(["deliveries", "list", "--event", event.id])).data;
        return d?.status === "succeeded" ? d : undefined;
      }, "the retried delivery to land", 60_000);
      expect(landed.attempts).toBeGreaterThanOrEqual(2);
      expect(local.received.filter((r) => r.body.includes(event.id))).toHaveLength(1);
    } finally {
      proxy.close();
    }
  }, 180_000);
});

describe("listen --tunnel (printing, as in the README)", () => {
  it("prints what arrives with its signature checked, and deletes its hook on Ctrl-C", async () => {
    const l = listen(["--tunnel", "--register", "--events", "readme.*"]);
    const hookId = (await l.waitFor(/registered hook (hook_\w+) → tunnel:\/\/dev/))[1]!;
    await l.waitFor(/Ready\. Waiting for requests on tunnel:\/\/dev/);
    const event = await json(["send", "readme.hello", '{"greeting": "hi"}']);
    const block = (await l.waitFor(new RegExp(`delivery  readme\\.hello[\\s\\S]*?event\\s+${event.id}[\\s\\S]*?signature\\s+(.+)`)))[1]!;
    expect(block).toMatch(/^valid/);
    // The test the CLI asked for once connected came through too, and made the hook valid.
    await l.waitFor(/test  readme\.test/);
    expect((await json(["hooks", "get", hookId])).state).toBe("valid");

    expect(await l.stop("SIGINT")).toBe(0);
    expect(l.output).toContain(`deleted hook ${hookId}`);
  });
});
