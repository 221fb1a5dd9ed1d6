import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isValidSecret } from "../domain/hook-secret";
import { unwrap, type HookrouterClient } from "../client";
import { bool, list, str, type Command, type CommandContext } from "./command";
import { EXIT, UsageError } from "./errors";
import { clock, err, fields, out, parseDuration, prettyBody, style } from "./format";
import { verifySignature, type SignatureCheck } from "./verify";

// `hookrouter listen`: a local receiver for deliveries and gate calls, like `stripe listen` or
// CCX's `mock-hooks`. It prints each request, checks its Standard Webhooks signature when it knows
// the secret, and answers as the flags say (status, random failures, delay, gate rejection).

const MAX_BODY_BYTES = 1024 * 1024;
/** `--register --pre` points the pre-hook here, so gate calls are easy to tell apart in logs. */
const GATE_PATH = "/gate";

export interface ListenBehaviour {
  status: number;
  failRate: number;
  delayMs: number;
  reject: string | undefined;
}

export interface Registration {
  hookId: string;
  phase: "post" | "pre";
}

export const listenCommand: Command = {
  words: ["listen"],
  summary: "Receive deliveries and gate calls locally, print them, verify signatures",
  usage: "listen [--port 4000] [--secret whsec_…] [--status 200] [--fail-rate 0.3] [--delay 0ms] [--reject REASON] [--register [--pre] [--events a,b]]",
  details: [
    "--port N          port to listen on (default 4000; 0 picks a free one)",
    "--host H          address to bind (default 127.0.0.1)",
    "--secret S        verify signatures with this whsec_ secret (repeatable)",
    "--status N        HTTP status to answer (default 200)",
    "--fail-rate R     answer 500 to this fraction of requests, 0..1 (1 fails every one)",
    "--delay D         wait before answering: 250ms, 2s, …",
    "--reject REASON   answer gate calls {\"approved\": false, \"reason\": REASON} (default approves)",
    "--register        create a hook on the router pointing here, use its secret, delete it on Ctrl-C",
    "--pre             with --register: also create a pre-hook (gate) pointing at /gate",
    "--events a,b      with --register: the event types or patterns to subscribe (default all)",
    "--json            print one JSON line per request",
  ].join("\n"),
  options: {
    port: { type: "string", default: "4000" },
    host: { type: "string", default: "127.0.0.1" },
    secret: { type: "string", multiple: true },
    status: { type: "string", default: "200" },
    "fail-rate": { type: "string", default: "0" },
    delay: { type: "string", default: "0ms" },
    reject: { type: "string" },
    register: { type: "boolean" },
    pre: { type: "boolean" },
    events: { type: "string", multiple: true },
  },
  positionals: { min: 0, max: 0, names: "" },
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

async function listen(ctx: CommandContext): Promise<number> {
  const behaviour = behaviourFrom(ctx);
  const secrets = list(ctx.flags, "secret") ?? [];
  for (const s of secrets) if (!isValidSecret(s)) throw new UsageError(`--secret is not a Standard Webhooks secret (whsec_ + base64 of 24..64 bytes): ${s}`);
  const port = Number(str(ctx.flags, "port"));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError("--port must be 0..65535");
  const host = str(ctx.flags, "host")!;
  if (!bool(ctx.flags, "register") && (bool(ctx.flags, "pre") || ctx.flags.events)) throw new UsageError("--pre and --events only make sense with --register");

  const log = ctx.json ? err : out;
  const seen = new Map<string, number>();
  // The router tests a new hook at once, possibly before its create call has answered here with the
  // secret: requests wait for registration to finish, so even that first one is verified.
  let registered: () => void = () => {};
  const state: HandlerState = { behaviour, secrets, seen, json: ctx.json, ready: new Promise<void>((r) => (registered = r)) };
  const server = createServer((req, res) => {
    handle(req, res, state).catch((e) => {
      err(`${style.red("error:")} handling ${req.method} ${req.url}: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const address = await bind(server, port, host);
  const base = `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${address.port}`;
  log(`${style.bold("hookrouter listen")} on ${base}  ${style.dim(describeBehaviour(behaviour))}`);

  const registrations: Registration[] = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(130); // a second Ctrl-C: leave now
    stopping = true;
    log(style.dim(`\n${signal}: stopping`));
    await unregister(ctx.api, registrations, log);
    server.closeAllConnections();
    server.close();
    process.exit(EXIT.ok);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  if (bool(ctx.flags, "register")) {
    try {
      const events = list(ctx.flags, "events") ?? [];
      const created = await register(ctx.api, { base, port: address.port, events, pre: bool(ctx.flags, "pre") }, registrations);
      for (const c of created) {
        secrets.push(c.secret);
        log(`registered ${c.phase === "pre" ? "pre-hook (gate)" : "hook"} ${style.bold(c.id)} → ${c.url}  ${style.dim(`events: ${events.length ? events.join(", ") : "all"}`)}`);
        log(`  secret ${c.secret}`);
      }
      log(style.dim("(the hooks are deleted when you press Ctrl-C)"));
    } catch (e) {
      await unregister(ctx.api, registrations, log);
      server.close();
      throw e;
    }
  }
  registered();
  if (secrets.length === 0) log(style.dim("signatures are not checked: pass --secret whsec_… or --register"));
  log(`Ready. Waiting for requests on ${base} (Ctrl-C to stop)`);
  return new Promise<number>(() => {}); // runs until a signal ends the process
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

async function register(
  api: HookrouterClient,
  opts: { base: string; port: number; events: string[]; pre: boolean },
  into: Registration[],
): Promise<Array<{ id: string; phase: "post" | "pre"; url: string; secret: string }>> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const wanted: Array<{ phase: "post" | "pre"; url: string }> = [{ phase: "post", url: `${opts.base}/` }];
  if (opts.pre) wanted.push({ phase: "pre", url: `${opts.base}${GATE_PATH}` });
  const created = [];
  for (const w of wanted) {
    const hook = await unwrap(
      api.v1.hooks.$post({
        json: {
          name: `hookrouter listen :${opts.port} ${w.phase} ${suffix}`,
          description: "Created by `hookrouter listen --register`; deleted when it stops.",
          url: w.url,
          events: opts.events,
          phase: w.phase,
        },
      }),
    );
    into.push({ hookId: hook.id, phase: w.phase });
    created.push({ id: hook.id, phase: w.phase, url: w.url, secret: hook.secret });
  }
  return created;
}

async function unregister(api: HookrouterClient, registrations: Registration[], log: (s: string) => void): Promise<void> {
  await Promise.all(
    registrations.splice(0).map(async (r) => {
      try {
        await unwrap(api.v1.hooks[":id"].$delete({ param: { id: r.hookId } }, { init: { signal: AbortSignal.timeout(5000) } }));
        log(`deleted hook ${r.hookId}`);
      } catch (e) {
        err(`${style.yellow("warning:")} could not delete hook ${r.hookId} (${e instanceof Error ? e.message : String(e)}); delete it with \`hookrouter hooks delete ${r.hookId}\``);
      }
    }),
  );
}

interface HandlerState {
  behaviour: ListenBehaviour;
  secrets: string[];
  seen: Map<string, number>;
  json: boolean;
  /** Resolves once `--register` has added its hooks' secrets. */
  ready: Promise<void>;
}

async function handle(req: IncomingMessage, res: ServerResponse, state: HandlerState): Promise<void> {
  const started = Date.now();
  if (req.method !== "POST") {
    res.writeHead(200, { "content-type": "text/plain" }).end("hookrouter listen: POST webhooks here\n");
    return;
  }
  const body = await readBody(req);
  if (body === null) {
    res.writeHead(413).end();
    err(`${clock()} ${style.red("refused")} a body over ${MAX_BODY_BYTES} bytes`);
    return;
  }
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(" ") : v;
  };
  await state.ready;
  const webhookId = header("webhook-id");
  const attempt = webhookId ? countAttempt(state.seen, webhookId) : 1;
  const signature: SignatureCheck | null = state.secrets.length
    ? await verifySignature({
        secrets: state.secrets,
        headers: { id: webhookId, timestamp: header("webhook-timestamp"), signature: header("webhook-signature") },
        body,
      })
    : null;

  const { behaviour } = state;
  const fail = behaviour.failRate > 0 && Math.random() < behaviour.failRate;
  if (behaviour.delayMs > 0) await new Promise((r) => setTimeout(r, behaviour.delayMs));
  // Every answer carries the gate verdict: a gate reads it, a post-hook delivery ignores it.
  const status = fail ? 500 : behaviour.status;
  const answer = fail
    ? { error: "simulated failure (--fail-rate)" }
    : behaviour.reject === undefined
      ? { approved: true }
      : { approved: false, reason: behaviour.reject };
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(answer));

  const parsed = parseJson(body);
  const record = {
    time: new Date(started).toISOString(),
    kind: requestKind(webhookId, req.url ?? "/"),
    path: req.url ?? "/",
    type: typeof parsed?.type === "string" ? parsed.type : null,
    event_id: typeof parsed?.id === "string" ? parsed.id : null,
    webhook_id: webhookId ?? null,
    attempt,
    signature,
    answered: status,
    answer,
    duration_ms: Date.now() - started,
  };
  if (state.json) {
    out(JSON.stringify({ ...record, signature: signature?.status ?? "unchecked", signature_detail: signature, body: parsed ?? body }));
    return;
  }
  out(
    [
      `${style.bold(clock(new Date(started)))}  ${style.cyan(record.kind)}  ${style.bold(record.type ?? "(no type)")}  ${style.dim(`POST ${record.path}`)}`,
      fields([
        ["webhook-id", webhookId ?? style.yellow("(none)")],
        ["event", record.event_id],
        ["attempt", attempt],
        ["signature", describeSignature(signature)],
        ["answered", `${status >= 300 ? style.red(String(status)) : style.green(String(status))} ${JSON.stringify(answer)} after ${record.duration_ms} ms`],
      ])
        .split("\n")
        .map((l) => "  " + l)
        .join("\n"),
      prettyBody(body, "  "),
      "",
    ].join("\n"),
  );
}

/** The router's webhook-ids tell what a request is: `gate_…` a gate call, `test_…` an endpoint test. */
function requestKind(webhookId: string | undefined, path: string): "gate call" | "test" | "delivery" {
  if (webhookId?.startsWith("test_")) return "test";
  if (webhookId?.startsWith("gate_") || path.startsWith(GATE_PATH)) return "gate call";
  return "delivery";
}

export function describeSignature(check: SignatureCheck | null): string {
  if (!check) return style.dim("not checked (no secret: pass --secret or --register)");
  switch (check.status) {
    case "valid":
      return style.green("valid ✔");
    case "invalid":
      return style.red(`INVALID ✘ (${check.reason})`);
    case "stale":
      return style.yellow(`STALE TIMESTAMP ✘ (signed ${Math.abs(check.ageSeconds)} s ${check.ageSeconds >= 0 ? "ago" : "in the future"}; the signature itself matches)`);
    case "unsigned":
      return style.red(`UNSIGNED ✘ (missing ${check.missing.join(", ")})`);
  }
}

/** Counts how often a webhook-id was seen: a retry of a delivery keeps its id. */
function countAttempt(seen: Map<string, number>, id: string): number {
  if (seen.size > 10_000) seen.clear();
  const n = (seen.get(id) ?? 0) + 1;
  seen.set(id, n);
  return n;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}
