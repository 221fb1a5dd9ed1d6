import { readFile } from "node:fs/promises";
import { unwrap, type GateResult } from "../client";
import { list, seg, str, type Command } from "./command";
import { EXIT, UsageError } from "./exit";
import { out, printJson, style, table } from "./format";

// `hookrouter send` publishes an event; `hookrouter gate` runs the pre-hooks for an action (`replay`: ./replay.ts).
// Both take a JSON payload given inline, as @file, or on standard input (-).

/**
 * The payload argument: inline JSON, `@path/to/file.json`, `-` for standard input; none means {}.
 * Payloads are JSON objects; any other JSON value is passed on for the router to refuse (400, with
 * its own reason), so the rule lives in one place.
 */
async function readPayload(arg: string | undefined): Promise<Record<string, unknown>> {
  let text: string;
  let from: string;
  if (arg === undefined) return {};
  if (arg === "-") {
    text = await readStdin();
    from = "standard input";
  } else if (arg.startsWith("@")) {
    const path = arg.slice(1);
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    from = path;
  } else {
    text = arg;
    from = "the payload argument";
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`${from} is not valid JSON: ${(e as Error).message}`, `Example: hookrouter send job_run.failed '{"run_id": 42}'`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const send: Command = {
  words: ["send"],
  summary: "Publish an event; prints its id and how many deliveries it made",
  usage: "send TYPE [JSON | @file | -] [--application A]… [--hook HOOK_ID]… [--work-id W] [--idempotency-key K] [--json]",
  options: {
    application: { type: "string", multiple: true },
    hook: { type: "string", multiple: true },
    "work-id": { type: "string" },
    "idempotency-key": { type: "string" },
  },
  positionals: { min: 1, max: 2, names: "TYPE [PAYLOAD]" },
  async run({ api, args, flags, json }) {
    const event = await unwrap(
      api.v1.events.$post({
        json: {
          type: args[0]!,
          payload: await readPayload(args[1]),
          applications: list(flags, "application"),
          hook_ids: list(flags, "hook"),
          work_id: str(flags, "work-id"),
          idempotency_key: str(flags, "idempotency-key"),
        },
      }),
    );
    if (json) return printJson(event), EXIT.ok;
    const n = event.deliveries;
    out(`${style.bold(event.id)}  ${event.type}  → ${n} ${n === 1 ? "delivery" : "deliveries"}`);
    if (n === 0 && flags.hook) out(style.dim("none of the named hooks is enabled"));
    else if (n === 0) out(style.dim(`no enabled post-hook matches "${event.type}" (see: hookrouter hooks list --event ${event.type})`));
    return EXIT.ok;
  },
};

function decisionTable(result: GateResult): string {
  const verdict = result.approved ? style.green("APPROVED") : style.red("REJECTED");
  const lines = [`${verdict}  work_id ${style.bold(result.work_id)}`];
  if (result.decisions.length === 0) lines.push(style.dim("no pre-hook matches this type: approved by default"));
  else
    lines.push(
      table(
        ["HOOK", "DECISION", "TIME", "REASON / ERROR"],
        result.decisions.map((d) => [
          d.hook_id,
          d.approved ? style.green("approved") : style.red("rejected"),
          `${d.duration_ms} ms`,
          d.error ? `error: ${d.error}` : d.reason,
        ]),
      ),
    );
  if (Object.keys(result.context ?? {}).length) lines.push(`context ${JSON.stringify(result.context)}`);
  return lines.join("\n");
}

const gate: Command = {
  words: ["gate"],
  summary: "Run the pre-hooks (gates) for an action and print the decision table",
  usage: "gate TYPE [JSON | @file | -] [--application A]… [--auth-id ID] [--json]",
  details: "Exit code 0 when approved, 3 when rejected.",
  options: {
    application: { type: "string", multiple: true },
    "auth-id": { type: "string" },
  },
  positionals: { min: 1, max: 2, names: "TYPE [PAYLOAD]" },
  async run({ api, args, flags, json }) {
    const result = await unwrap(
      api.v1.gates[":type"].$post({
        param: { type: seg(args[0]!) },
        json: { payload: await readPayload(args[1]), applications: list(flags, "application"), auth_id: str(flags, "auth-id") },
      }),
    );
    if (json) printJson(result);
    else out(decisionTable(result));
    return result.approved ? EXIT.ok : EXIT.negative;
  },
};

export const publishCommands = [send, gate];
