import type { IncomingMessage, ServerResponse } from "node:http";
import { clock, err, fields, indent, out, prettyBody, style } from "./format";
import { verifySignature, type SignatureCheck } from "./verify";

// The request handler of `hookrouter listen`: reads a delivery or gate call, verifies its
// signature, answers as the listener's flags say, and prints what arrived.

const MAX_BODY_BYTES = 1024 * 1024;
/** `--register --pre` points the pre-hook here, so gate calls are easy to tell apart in logs. */
export const GATE_PATH = "/gate";

export interface ListenBehaviour {
  status: number;
  failRate: number;
  delayMs: number;
  reject: string | undefined;
}

export interface HandlerState {
  behaviour: ListenBehaviour;
  /** What signatures are checked with: `whsec_` secrets (v1) and `whpk_` public keys (v1a). */
  keys: string[];
  seen: Map<string, number>;
  json: boolean;
  /** Resolves once `--register` has added its hooks' secrets. */
  ready: Promise<void>;
}

export async function handle(req: IncomingMessage, res: ServerResponse, state: HandlerState): Promise<void> {
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
  const signature: SignatureCheck | null = state.keys.length
    ? await verifySignature({
        keys: state.keys,
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
      indent(
        fields([
          ["webhook-id", webhookId ?? style.yellow("(none)")],
          ["event", record.event_id],
          ["attempt", attempt],
          ["signature", describeSignature(signature)],
          ["answered", `${status >= 300 ? style.red(String(status)) : style.green(String(status))} ${JSON.stringify(answer)} after ${record.duration_ms} ms`],
        ]),
      ),
      prettyBody(body),
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

function describeSignature(check: SignatureCheck | null): string {
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
