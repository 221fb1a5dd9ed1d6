import { unwrap, type DeliveryDetail } from "../client";
import { int, oneOf, seg, str, type Command } from "./command";
import { EXIT } from "./errors";
import { fields, out, printJson, style, table } from "./format";

// `hookrouter deliveries list|get|retry`: what happened to each (event, hook) pair, attempt by attempt.

const STATUSES = ["pending", "succeeded", "failed", "dead", "skipped"] as const;

const colourStatus = (s: string) =>
  s === "succeeded" ? style.green(s) : s === "failed" || s === "dead" ? style.red(s) : s === "skipped" ? style.dim(s) : style.yellow(s);


const deliveriesList: Command = {
  words: ["deliveries", "list"],
  summary: "List deliveries, newest first",
  usage: "deliveries list [--hook HOOK_ID] [--event EVENT_ID] [--status S] [--limit N] [--cursor C] [--json]",
  options: {
    hook: { type: "string" },
    event: { type: "string" },
    status: { type: "string" },
    limit: { type: "string" },
    cursor: { type: "string" },
  },
  positionals: { min: 0, max: 0, names: "" },
  async run({ api, flags, json }) {
    const page = await unwrap(
      api.v1.deliveries.$get({
        query: {
          hook_id: str(flags, "hook"),
          event_id: str(flags, "event"),
          status: oneOf(flags, "status", STATUSES),
          limit: int(flags, "limit", { min: 1, max: 100 })?.toString(),
          cursor: str(flags, "cursor"),
        },
      }),
    );
    if (json) return printJson(page), EXIT.ok;
    if (page.data.length === 0) return out("no deliveries"), EXIT.ok;
    out(
      table(
        ["ID", "STATUS", "ATTEMPTS", "EVENT", "HOOK", "CREATED"],
        page.data.map((d) => [d.id, colourStatus(d.status), d.attempts, `${d.event_id} (${d.event_type})`, d.hook_id, d.created_at]),
      ),
    );
    if (page.next_cursor) out(style.dim(`more: hookrouter deliveries list --cursor ${page.next_cursor}`));
    return EXIT.ok;
  },
};

function describeDelivery(d: DeliveryDetail): string {
  const head = fields([
    ["id", d.id],
    ["status", colourStatus(d.status)],
    ["event", `${d.event_id} (${d.event_type})`],
    ["hook", d.hook_id],
    ["created", d.created_at],
    ["next attempt", d.next_attempt_at],
  ]);
  const log = d.attempt_log;
  if (log.length === 0) return `${head}\n\nno attempts yet`;
  const answer = (body: string | null) => body?.replace(/\s+/g, " ").slice(0, 80);
  const rows = log.map((a) => [a.n, a.at, a.response_status, `${a.duration_ms} ms`, [a.error, answer(a.response_body)].filter(Boolean).join(": ")]);
  return `${head}\n\n${table(["#", "AT", "STATUS", "TIME", "ERROR / ANSWER"], rows)}`;
}

const deliveriesGet: Command = {
  words: ["deliveries", "get"],
  summary: "Show a delivery with every attempt",
  usage: "deliveries get DELIVERY_ID [--json]",
  options: {},
  positionals: { min: 1, max: 1, names: "DELIVERY_ID" },
  async run({ api, args, json }) {
    const d = await unwrap(api.v1.deliveries[":id"].$get({ param: { id: seg(args[0]!) } }));
    if (json) printJson(d);
    else out(describeDelivery(d));
    return EXIT.ok;
  },
};

const deliveriesRetry: Command = {
  words: ["deliveries", "retry"],
  summary: "Deliver again now (a manual retry is not rescheduled if it fails)",
  usage: "deliveries retry DELIVERY_ID [--json]",
  options: {},
  positionals: { min: 1, max: 1, names: "DELIVERY_ID" },
  async run({ api, args, json }) {
    const d = await unwrap(api.v1.deliveries[":id"].retry.$post({ param: { id: seg(args[0]!) } }));
    if (json) printJson(d);
    else out(`retrying ${d.id} (${colourStatus(d.status)}); follow it with: hookrouter deliveries get ${d.id}`);
    return EXIT.ok;
  },
};

export const deliveryCommands = [deliveriesList, deliveriesGet, deliveriesRetry];
