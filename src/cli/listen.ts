import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { publicKeyBytes } from "../crypto/ed25519";
import { isValidSecret } from "../domain/hook-secret";
import { TUNNEL_NAME, TUNNEL_NAME_RULE, tunnelUrl } from "../domain/tunnel";
import { errorMessage } from "../error-message";
import { unwrap, type HookrouterClient } from "../client";
import { bool, list, str, type Command, type CommandContext } from "./command";
import { EXIT, UsageError } from "./exit";
import { err, out, parseDuration, printJson, style, table } from "./format";
import { GATE_PATH, handle, type HandlerState, type ListenBehaviour } from "./receiver";
import { openTunnel, type TunnelClient } from "./tunnel";

// `hookrouter listen`: a local receiver for deliveries and gate calls, like `stripe listen` or
// a mock hooks server. It prints each request, checks its Standard Webhooks signature when it knows
// the secret, and answers as the flags say (status, random failures, delay, gate rejection).
// With --tunnel it also holds a tunnel to the router open (./tunnel.ts), so a deployed router reaches
// it without being able to reach this machine; --forward hands the tunnel's requests to another
// local server instead of this receiver.

/** The tunnel `--tunnel` connects to when it is given no name. */
export const DEFAULT_TUNNEL = "dev";

/** A hook `--register` created: deleted again when the listener stops. */
interface Registration {
  id: string;
  phase: "post" | "pre";
  url: string;
  secret: string;
}

export const listenCommand: Command = {
  words: ["listen"],
  summary: "Receive deliveries and gate calls locally, print them, verify signatures",
  usage:
    "listen [--port 4000] [--secret whsec_…] [--public-key whpk_…] [--status 200] [--fail-rate 0.3] [--delay 0ms] [--reject REASON] [--register [--pre] [--events a,b]]\n" +
    "       listen --tunnel [NAME] [--forward http://localhost:3000/webhooks] [--register [--pre] [--events a,b]]",
  details: [
    `--tunnel [NAME]   receive the requests of the router's hooks on tunnel://NAME (default ${DEFAULT_TUNNEL}) over a`,
    "                  WebSocket to the router: works with a deployed router, which cannot reach this machine",
    "--forward URL     with --tunnel: POST each request to this local server and relay its answer, instead of",
    "                  answering here (the flags below that shape answers then do not apply)",
    "--port N          port to listen on (default 4000, or a free one with --tunnel; 0 picks a free one)",
    "--host H          address to bind (default 127.0.0.1)",
    "--secret S        verify v1 signatures with this whsec_ secret (repeatable)",
    "--public-key K    verify v1a (ed25519) signatures with this whpk_ public key (repeatable): a hook's",
    "                  public_key",
    "--status N        HTTP status to answer (default 200)",
    "--fail-rate R     answer 500 to this fraction of requests, 0..1 (1 fails every one)",
    "--delay D         wait before answering: 250ms, 2s, …",
    "--reject REASON   answer gate calls {\"approved\": false, \"reason\": REASON} (default approves)",
    "--register        create a hook on the router pointing here (with --tunnel: at tunnel://NAME), use its",
    "                  secret, delete it on Ctrl-C",
    "--pre             with --register: also create a pre-hook (gate) pointing at /gate (with --tunnel: at",
    "                  tunnel://NAME too; gate calls carry a gate_… webhook-id)",
    "--events a,b      with --register: the event types or patterns to subscribe (default all)",
    "--json            print one JSON line per request",
  ].join("\n"),
  options: {
    tunnel: { type: "boolean" },
    forward: { type: "string" },
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    secret: { type: "string", multiple: true },
    "public-key": { type: "string", multiple: true },
    status: { type: "string", default: "200" },
    "fail-rate": { type: "string", default: "0" },
    delay: { type: "string", default: "0ms" },
    reject: { type: "string" },
    register: { type: "boolean" },
    pre: { type: "boolean" },
    events: { type: "string", multiple: true },
  },
  positionals: { min: 0, max: 1, names: "NAME" },
  run: listen,
};

function behaviourFrom(ctx: CommandContext): ListenBehaviour {
  const status = Number(str(ctx.flags, "status"));
  if (!Number.isInteger(status) || status < 200 || status > 599) throw new UsageError("--status must be an HTTP status from 200 to 599");
  const failRate = Number(str(ctx.flags, "fail-rate"));
  if (!Number.isFinite(failRate) || failRate < 0 || failRate > 1) throw new UsageError("--fail-rate must be a number from 0 to 1");
  const delayMs = parseDuration(str(ctx.flags, "delay") ?? "0");
  if (delayMs === null || delayMs > 600_000) throw new UsageError("--delay must be a duration such as 250ms or 2s (at most 10m)");
  return { status, failRate, delayMs, reject: str(ctx.flags, "reject") };
}

/** Where the requests come from: the router calling this machine, or a tunnel (and where they go then). */
interface Source {
  tunnel: string | null;
  forward: string | null;
}

function sourceFrom(ctx: CommandContext): Source {
  const named = ctx.args[0];
  if (!bool(ctx.flags, "tunnel")) {
    if (named !== undefined) throw new UsageError(`unexpected argument "${named}"`, "A tunnel name goes after --tunnel: hookrouter listen --tunnel NAME");
    if (ctx.flags.forward !== undefined) throw new UsageError("--forward only makes sense with --tunnel");
    return { tunnel: null, forward: null };
  }
  const tunnel = named ?? DEFAULT_TUNNEL;
  if (!TUNNEL_NAME.test(tunnel)) throw new UsageError(`"${tunnel}" is not a tunnel name: names are ${TUNNEL_NAME_RULE}`);
  const forward = str(ctx.flags, "forward") ?? null;
  if (forward !== null && !/^https?:\/\/[^/\s]+/.test(forward)) throw new UsageError(`--forward must be an http:// or https:// URL, not "${forward}"`);
  return { tunnel, forward };
}

async function listen(ctx: CommandContext): Promise<number> {
  const source = sourceFrom(ctx);
  const behaviour = behaviourFrom(ctx);
  const secrets = list(ctx.flags, "secret") ?? [];
  for (const s of secrets) if (!isValidSecret(s)) throw new UsageError(`--secret is not a Standard Webhooks secret (whsec_ + base64 of 24..64 bytes): ${s}`);
  const publicKeys = list(ctx.flags, "public-key") ?? [];
  for (const k of publicKeys) if (!publicKeyBytes(k)) throw new UsageError(`--public-key is not an ed25519 public key (whpk_ + base64 of 32 bytes): ${k}`);
  const keys = [...secrets, ...publicKeys];
  const port = Number(str(ctx.flags, "port") ?? (source.tunnel ? "0" : "4000"));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError("--port must be 0..65535");
  const host = str(ctx.flags, "host")!;
  if (!bool(ctx.flags, "register") && (bool(ctx.flags, "pre") || ctx.flags.events)) throw new UsageError("--pre and --events only make sense with --register");

  const log = ctx.json ? err : out;
  const seen = new Map<string, number>();
  // The router tests a new hook at once, possibly before its create call has answered here with the
  // secret: requests wait for registration to finish, so even that first one is verified.
  let registered: () => void = () => {};
  const state: HandlerState = { behaviour, keys, seen, json: ctx.json, ready: new Promise<void>((r) => (registered = r)) };
  // This receiver, unless the tunnel forwards to another server.
  let server: Server | null = null;
  let base = source.forward;
  if (source.forward === null) {
    const receiver = createServer((req, res) => {
      handle(req, res, state).catch((e) => {
        err(`${style.red("error:")} handling ${req.method} ${req.url}: ${errorMessage(e)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    server = receiver;
    const address = await bind(receiver, port, host);
    base = `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${address.port}`;
    log(`${style.bold("hookrouter listen")} on ${base}  ${style.dim(describeBehaviour(behaviour))}`);
  }

  const registrations: Registration[] = [];
  let registering: Promise<unknown> = Promise.resolve();
  let tunnel: TunnelClient | null = null;
  let stopping = false;
  const shutDown = async () => {
    tunnel?.close();
    await registering.catch(() => {}); // a hook being created right now is deleted too
    await unregister(ctx.api, registrations, log);
    registered(); // let waiting requests finish, so the process can end
    server?.closeAllConnections();
    server?.close();
  };
  const stop = async (signal: string) => {
    if (stopping) process.exit(130); // a second Ctrl-C: leave now
    stopping = true;
    log(style.dim(`\n${signal}: stopping`));
    await shutDown();
    process.exit(EXIT.ok);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  if (bool(ctx.flags, "register")) {
    try {
      const events = list(ctx.flags, "events") ?? [];
      // Through a tunnel, deliveries and gate calls share its url (gate calls carry a `gate_…` webhook-id).
      const where = source.tunnel
        ? { label: `tunnel ${source.tunnel}`, urls: { post: tunnelUrl(source.tunnel), pre: tunnelUrl(source.tunnel) } }
        : { label: `:${new URL(base!).port}`, urls: { post: `${base}/`, pre: `${base}${GATE_PATH}` } };
      registering = register(ctx.api, { ...where, events, pre: bool(ctx.flags, "pre") }, registrations);
      await registering;
      for (const c of registrations) {
        keys.push(c.secret);
        log(`registered ${c.phase === "pre" ? "pre-hook (gate)" : "hook"} ${style.bold(c.id)} → ${c.url}  ${style.dim(`events: ${events.length ? events.join(", ") : "all"}`)}`);
        log(`  secret ${c.secret}`);
      }
      log(style.dim("(the hooks are deleted when you press Ctrl-C)"));
    } catch (e) {
      await shutDown();
      throw e;
    }
  }
  registered();
  if (source.forward === null && keys.length === 0) log(style.dim("signatures are not checked: pass --secret whsec_…, --public-key whpk_… or --register"));
  if (!source.tunnel) {
    log(`Ready. Waiting for requests on ${base} (Ctrl-C to stop)`);
    return new Promise<number>(() => {}); // runs until a signal ends the process
  }

  const name = source.tunnel;
  tunnel = openTunnel({
    url: ctx.conn.url,
    apiKey: ctx.conn.apiKey,
    name,
    target: source.forward ?? `${base}/`,
    userAgent: `hookrouter-cli (${source.forward ? "forward" : "listen"})`,
    log,
    onForwarded: source.forward ? (line) => (ctx.json ? undefined : out(line)) : undefined,
    onReady: (reconnected) => {
      if (reconnected) return;
      log(`Ready. Waiting for requests on ${tunnelUrl(name)} (Ctrl-C to stop)`);
      // The router tested the new hooks at once, before this tunnel was connected: test them again now.
      for (const r of registrations) {
        unwrap(ctx.api.v1.hooks[":id"].test.$post({ param: { id: r.id }, json: {} })).catch((e) =>
          err(`${style.yellow("warning:")} could not test hook ${r.id}: ${errorMessage(e)}`),
        );
      }
    },
  });
  try {
    return await tunnel.stopped;
  } catch (e) {
    await shutDown();
    throw e;
  }
}

function describeBehaviour(b: ListenBehaviour): string {
  const parts = [`answers ${b.status}`];
  if (b.failRate > 0) parts.push(`fails ${Math.round(b.failRate * 100)}% with 500`);
  if (b.delayMs > 0) parts.push(`after ${b.delayMs} ms`);
  parts.push(b.reject === undefined ? "approves gate calls" : `rejects gate calls: ${b.reject}`);
  return parts.join(", ");
}

function bind(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      reject(e.code === "EADDRINUSE" ? new UsageError(`port ${port} is already in use on ${host}`, "Pick another with --port (0 picks a free one).") : e);
    });
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

/** Creates the hooks, each added to `into` as soon as it exists (so a failure half-way deletes the first). */
async function register(
  api: HookrouterClient,
  opts: { label: string; urls: { post: string; pre: string }; events: string[]; pre: boolean },
  into: Registration[],
): Promise<void> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const wanted: Array<{ phase: "post" | "pre"; url: string }> = [{ phase: "post", url: opts.urls.post }];
  if (opts.pre) wanted.push({ phase: "pre", url: opts.urls.pre });
  for (const w of wanted) {
    const hook = await unwrap(
      api.v1.hooks.$post({
        json: {
          name: `hookrouter listen ${opts.label} ${w.phase} ${suffix}`,
          description: "Created by `hookrouter listen --register`; deleted when it stops.",
          url: w.url,
          events: opts.events,
          phase: w.phase,
          // It checks signatures, so its hooks sign even in an account that allows unsigned deliveries.
          signed: true,
        },
      }),
    );
    // listen registers v1 hooks (the default scheme), whose answer carries the secret.
    into.push({ id: hook.id, phase: w.phase, url: w.url, secret: hook.secret ?? "" });
  }
}

async function unregister(api: HookrouterClient, registrations: Registration[], log: (s: string) => void): Promise<void> {
  await Promise.all(
    registrations.splice(0).map(async (r) => {
      try {
        await unwrap(api.v1.hooks[":id"].$delete({ param: { id: r.id } }, { init: { signal: AbortSignal.timeout(5000) } }));
        log(`deleted hook ${r.id}`);
      } catch (e) {
        err(`${style.yellow("warning:")} could not delete hook ${r.id} (${errorMessage(e)}); delete it with \`hookrouter hooks delete ${r.id}\``);
      }
    }),
  );
}


/** `hookrouter tunnels`: the account's tunnels and whether a `listen --tunnel` is connected to each. */
export const tunnelsCommand: Command = {
  words: ["tunnels"],
  summary: "List the account's tunnels and whether a CLI is connected to each",
  usage: "tunnels [--json]",
  options: {},
  positionals: { min: 0, max: 0, names: "" },
  async run({ api, json }) {
    const page = await unwrap(api.v1.tunnels.$get());
    if (json) printJson(page);
    else if (page.data.length === 0) out("no tunnels (a tunnel exists while a hook delivers to tunnel://NAME: `hookrouter listen --tunnel NAME --register`)");
    else {
      const rows = page.data.map((t) => [t.url, t.connected ? style.green("connected") : "not connected", t.connected_at, t.client, t.hook_ids.join(", ")]);
      out(table(["TUNNEL", "STATE", "SINCE", "CLIENT", "HOOKS"], rows));
    }
    return EXIT.ok;
  },
};
