import { unwrap, type DeliveryDetail } from "../client";
import { byIdCommand, oneOf, PAGE_OPTIONS, pageQuery, printPage, str, type Command } from "./command";
import { fields, style, table } from "./format";

// `hookrouter deliveries list|get|retry|resend`: what happened to each (event, hook) pair, attempt by attempt.

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
    ...PAGE_OPTIONS,
  },
  positionals: { min: 0, max: 0, names: "" },
  async run({ api, flags, json }) {
    const page = await unwrap(
      api.v1.deliveries.$get({
        query: { hook_id: str(flags, "hook"), event_id: str(flags, "event"), status: oneOf(flags, "status", STATUSES), ...pageQuery(flags) },
      }),
    );
    return printPage(page, json, {
      command: "deliveries list",
      noun: "deliveries",
      headers: ["ID", "STATUS", "ATTEMPTS", "EVENT", "HOOK", "CREATED"],
      row: (d) => [d.id, colourStatus(d.status), d.attempts, `${d.event_id} (${d.event_type})`, d.hook_id, d.created_at],
    });
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

const deliveriesGet = byIdCommand({
  words: ["deliveries", "get"],
  summary: "Show a delivery with every attempt",
  idName: "DELIVERY_ID",
  call: (api, id) => unwrap(api.v1.deliveries[":id"].$get({ param: { id } })),
  show: describeDelivery,
});

const deliveriesRetry = byIdCommand({
  words: ["deliveries", "retry"],
  summary: "Deliver again now (a manual retry is not rescheduled if it fails)",
  idName: "DELIVERY_ID",
  call: (api, id) => unwrap(api.v1.deliveries[":id"].retry.$post({ param: { id } })),
  show: (d) => `retrying ${d.id} (${colourStatus(d.status)}); follow it with: hookrouter deliveries get ${d.id}`,
});

const deliveriesResend = byIdCommand({
  words: ["deliveries", "resend"],
  summary: "Send a succeeded delivery again (same webhook-id; one attempt)",
  idName: "DELIVERY_ID",
  call: (api, id) => unwrap(api.v1.deliveries[":id"].resend.$post({ param: { id } })),
  show: (d) => `resending ${d.id} (${colourStatus(d.status)}); follow it with: hookrouter deliveries get ${d.id}`,
});

export const deliveryCommands = [deliveriesList, deliveriesGet, deliveriesRetry, deliveriesResend];
