import { unwrap, type Hook, type HookTestResult } from "../client";
import { bool, byIdCommand, list, oneOf, PAGE_OPTIONS, pageQuery, printPage, seg, str, type Command } from "./command";
import { EXIT, UsageError } from "./exit";
import { fields, out, printJson, style } from "./format";

// `hookrouter hooks list|get|create|update|delete|test`: the everyday hook management tasks.

const target = (h: Hook) => h.url ?? (h.slack ? `slack #${h.slack.channel_id}` : null);

function describeHook(h: Hook): string {
  return fields([
    ["id", h.id],
    ["name", h.name],
    ["kind", h.kind],
    ["target", target(h)],
    ["phase", h.phase === "pre" ? `pre (gate, on_error ${h.on_error})` : "post"],
    ["events", h.events.length ? h.events.join(", ") : "all"],
    ["applications", h.applications ? h.applications.join(", ") : "site-level (all)"],
    ["fallback", h.fallback],
    ["state", h.state + (h.disabled_reason ? ` (${h.disabled_reason})` : "")],
    ["enabled", h.enabled],
    ["signed", h.signed ? "yes" : "no (the account allows unsigned deliveries)"],
    ["circuit", h.circuit],
    ["last test", h.last_test ? `${h.last_test.success ? "ok" : "failed"} ${h.last_test.response_status ?? h.last_test.error_message ?? ""} at ${h.last_test.tested_at}` : undefined],
    ["rate limit", h.rate_limit_per_second === null ? "none" : `${h.rate_limit_per_second}/s`],
    ["ordering", h.ordering === "fifo" ? `fifo (a dead delivery: ${h.ordering_on_dead})` : "none"],
    ["line", h.line ? `${h.line.waiting} waiting${h.line.head ? `, head ${h.line.head}` : ""}${h.line.blocked ? " (blocked: retry the head)" : ""}` : undefined],
    ["payload", h.payload_format],
    ["created", h.created_at],
    ["updated", h.updated_at],
  ]);
}

const hooksList: Command = {
  words: ["hooks", "list"],
  summary: "List hooks",
  usage: "hooks list [--event TYPE] [--phase post|pre] [--state S] [--application A] [--limit N] [--cursor C] [--json]",
  options: {
    event: { type: "string" },
    phase: { type: "string" },
    state: { type: "string" },
    application: { type: "string" },
    ...PAGE_OPTIONS,
  },
  positionals: { min: 0, max: 0, names: "" },
  async run({ api, flags, json }) {
    const page = await unwrap(
      api.v1.hooks.$get({
        query: {
          event: str(flags, "event"),
          phase: oneOf(flags, "phase", ["post", "pre"]),
          state: oneOf(flags, "state", ["new", "valid", "invalid", "deactivated"]),
          application: str(flags, "application"),
          ...pageQuery(flags),
        },
      }),
    );
    return printPage(page, json, {
      command: "hooks list",
      noun: "hooks",
      headers: ["ID", "NAME", "PHASE", "STATE", "ENABLED", "EVENTS", "TARGET"],
      row: (h) => [h.id, h.name, h.phase, h.state, h.enabled ? "yes" : "no", h.events.length ? h.events.join(",") : "all", target(h)],
    });
  },
};

const hooksGet = byIdCommand({
  words: ["hooks", "get"],
  summary: "Show a hook",
  idName: "HOOK_ID",
  call: (api, id) => unwrap(api.v1.hooks[":id"].$get({ param: { id } })),
  show: describeHook,
});

/** Ordered delivery's two settings (docs/delivery.md#ordered-delivery), on create and update. */
const ORDERING_DETAILS = [
  "--ordering fifo|none  fifo: one delivery at a time, in publish order",
  "--on-dead skip|block  a fifo hook's dead delivery: passed over, or holding the line until retried",
];
const ORDERING_OPTIONS = { ordering: { type: "string" }, "on-dead": { type: "string" } } as const;

function orderingOf(flags: Parameters<Command["run"]>[0]["flags"]) {
  return { ordering: oneOf(flags, "ordering", ["none", "fifo"]), ordering_on_dead: oneOf(flags, "on-dead", ["skip", "block"]) };
}

const hooksUpdate: Command = {
  words: ["hooks", "update"],
  summary: "Change a hook's settings (only the flags given)",
  usage: "hooks update HOOK_ID [--name N] [--events a,b] [--rate-limit N|none] [--ordering fifo|none] [--on-dead skip|block] [--json]",
  details: [
    "--name N              a new name, unique in the account",
    "--events a,b          event types or patterns (replaces the list)",
    "--rate-limit N|none   at most N deliveries per second; none removes the limit",
    ...ORDERING_DETAILS,
    "Like any change through the API, it sets the hook's state to new and re-tests it.",
  ].join("\n"),
  options: { name: { type: "string" }, events: { type: "string", multiple: true }, "rate-limit": { type: "string" }, ...ORDERING_OPTIONS },
  positionals: { min: 1, max: 1, names: "HOOK_ID" },
  async run({ api, args, flags, json }) {
    const rate = str(flags, "rate-limit");
    if (rate !== undefined && rate !== "none" && !(Number(rate) > 0)) throw new UsageError("--rate-limit must be a positive number or none");
    const body = {
      name: str(flags, "name"),
      events: flags.events === undefined ? undefined : list(flags, "events"),
      rate_limit_per_second: rate === undefined ? undefined : rate === "none" ? null : Number(rate),
      ...orderingOf(flags),
    };
    if (Object.values(body).every((v) => v === undefined)) throw new UsageError("nothing to change: give at least one flag");
    const hook = await unwrap(api.v1.hooks[":id"].$patch({ param: { id: seg(args[0]!) }, json: body }));
    if (json) return printJson(hook), EXIT.ok;
    out(describeHook(hook));
    return EXIT.ok;
  },
};

const hooksCreate: Command = {
  words: ["hooks", "create"],
  summary: "Create a hook (prints its secret)",
  usage: "hooks create URL [--name N] [--events a,b] [--phase post|pre] [--application A]… [--json]",
  details: [
    "URL                   where deliveries are POSTed, or tunnel://NAME (see `listen --tunnel`); --url is the",
    "                      router's address, as everywhere",
    "--name N              unique in the account (default: derived from the URL)",
    "--events a,b          event types or patterns (job_run.*, *); default all",
    "--phase post|pre      pre makes it a gate (answers {\"approved\": …})",
    "--on-error reject|approve   what a failing gate counts as",
    "--application A       only events naming this application (repeatable)",
    "--fallback            receive events that no application-scoped hook matches",
    "--secret whsec_…      use this secret instead of a generated one",
    "--unsigned            deliver without signatures (only if the account allows unsigned deliveries)",
    "--raw                 send the payload alone instead of the envelope",
    "--rate-limit N        at most N deliveries per second",
    ...ORDERING_DETAILS,
    "--description TEXT",
  ].join("\n"),
  options: {
    name: { type: "string" },
    events: { type: "string", multiple: true },
    phase: { type: "string" },
    "on-error": { type: "string" },
    application: { type: "string", multiple: true },
    fallback: { type: "boolean" },
    secret: { type: "string" },
    unsigned: { type: "boolean" },
    raw: { type: "boolean" },
    "rate-limit": { type: "string" },
    ...ORDERING_OPTIONS,
    description: { type: "string" },
  },
  positionals: { min: 1, max: 1, names: "URL" },
  async run({ api, args, flags, json }) {
    const url = args[0]!;
    const rate = str(flags, "rate-limit");
    if (rate !== undefined && !(Number(rate) > 0)) throw new UsageError("--rate-limit must be a positive number");
    const hook = await unwrap(
      api.v1.hooks.$post({
        json: {
          name: str(flags, "name") ?? defaultName(url),
          url,
          description: str(flags, "description"),
          events: list(flags, "events"),
          phase: oneOf(flags, "phase", ["post", "pre"]),
          on_error: oneOf(flags, "on-error", ["reject", "approve"]),
          applications: list(flags, "application"),
          fallback: bool(flags, "fallback") || undefined,
          secret: str(flags, "secret"),
          signed: bool(flags, "unsigned") ? false : undefined,
          payload_format: bool(flags, "raw") ? "raw" : undefined,
          rate_limit_per_second: rate === undefined ? undefined : Number(rate),
          ...orderingOf(flags),
        },
      }),
    );
    if (json) return printJson(hook), EXIT.ok;
    out(describeHook(hook));
    if (hook.secret) out(`${style.dim("secret".padEnd(12))}  ${style.bold(hook.secret)}${hook.signed ? "" : style.dim("  (not used: unsigned)")}`);
    if (hook.public_key) out(`${style.dim("public key".padEnd(12))}  ${style.bold(hook.public_key)}`);
    return EXIT.ok;
  },
};

function defaultName(url: string): string {
  const suffix = Math.random().toString(36).slice(2, 6);
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname === "/" ? "" : u.pathname} (${suffix})`.slice(0, 100);
  } catch {
    return `hook ${suffix}`;
  }
}

const hooksDelete = byIdCommand({
  words: ["hooks", "delete"],
  summary: "Delete a hook",
  idName: "HOOK_ID",
  call: (api, id) => unwrap(api.v1.hooks[":id"].$delete({ param: { id } })),
  show: (hook) => `deleted ${hook.id} (${hook.name})`,
});

const hooksTest: Command = {
  words: ["hooks", "test"],
  summary: "Send a test delivery now and show how the endpoint answered",
  usage: "hooks test HOOK_ID [--event-type TYPE] [--json]",
  details: "Exit code 3 when the endpoint did not answer 2xx.",
  options: { "event-type": { type: "string" } },
  positionals: { min: 1, max: 1, names: "HOOK_ID" },
  async run({ api, args, flags, json }) {
    const eventType = str(flags, "event-type");
    const result: HookTestResult = await unwrap(
      api.v1.hooks[":id"].test.$post({ param: { id: seg(args[0]!) }, json: eventType ? { event_type: eventType } : {} }),
    );
    if (json) printJson(result);
    else {
      out(result.success ? style.green("✔ test delivered") : style.red("✘ test failed"));
      out(
        fields([
          ["status", result.response_status],
          ["error", result.error_message],
          ["answer", result.response_body?.slice(0, 500)],
          ["tested at", result.tested_at],
        ]),
      );
    }
    return result.success ? EXIT.ok : EXIT.negative;
  },
};

export const hookCommands = [hooksList, hooksGet, hooksCreate, hooksUpdate, hooksDelete, hooksTest];
