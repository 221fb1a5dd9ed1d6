import { setTimeout as sleep } from "node:timers/promises";
import { unwrap, type HookrouterClient, type ReplayJob } from "../client";
import { bool, int, list, seg, str, type Command, type FlagValues } from "./command";
import { EXIT, UsageError } from "./exit";
import { out, printJson, style } from "./format";

// `hookrouter replay`: a stored event delivered again (EVENT_ID), or a time window of them to one hook
// as a background job (--hook --from), whose progress it polls until the job ends.

/** Between two looks at a running job. */
const POLL_MS = 1000;
const FINISHED = ["done", "failed", "cancelled"];

function oneHook(flags: FlagValues): string {
  const hooks = list(flags, "hook") ?? [];
  if (hooks.length !== 1) throw new UsageError("a window replay goes to exactly one hook: give one --hook HOOK_ID");
  return hooks[0]!;
}

function progressLine(j: ReplayJob): string {
  const { scanned, replayed, skipped } = j.counts;
  const pct = `${Math.round(j.progress * 100)}%`.padStart(4);
  const capped = j.capped ? style.yellow(` capped at ${j.limit}`) : "";
  const error = j.error ? style.red(` ${j.error}`) : "";
  return `${j.id}  ${j.status.padEnd(9)} ${pct}  replayed ${replayed}, skipped ${skipped} of ${scanned} read (shards ${j.shards.done}/${j.shards.total})${capped}${error}`;
}

/** Polls the job until it ends, printing a line each time it changed; answers its last state. */
async function watch(api: HookrouterClient, hookId: string, job: ReplayJob, json: boolean): Promise<ReplayJob> {
  let last = json ? "" : progressLine(job);
  if (!json) out(last);
  while (!FINISHED.includes(job.status)) {
    await sleep(POLL_MS);
    job = await unwrap(api.v1.hooks[":id"].replays[":job_id"].$get({ param: { id: seg(hookId), job_id: seg(job.id) } }));
    const line = progressLine(job);
    if (!json && line !== last) out((last = line));
  }
  return job;
}

/** The hook's jobs, newest first (the first page: running ones, and finished ones for 7 days). */
async function listJobs(api: HookrouterClient, hookId: string, json: boolean): Promise<number> {
  const page = await unwrap(api.v1.hooks[":id"].replays.$get({ param: { id: seg(hookId) }, query: {} }));
  if (json) printJson(page.data);
  else if (page.data.length === 0) out("no replay jobs for this hook (a finished job is kept for 7 days)");
  else for (const job of page.data) out(progressLine(job));
  return EXIT.ok;
}

async function windowReplay(api: HookrouterClient, flags: FlagValues, json: boolean): Promise<number> {
  const hookId = oneHook(flags);
  if (bool(flags, "list")) return listJobs(api, hookId, json);
  const jobId = str(flags, "job");
  const wait = !bool(flags, "no-wait");
  let job: ReplayJob;
  if (jobId && bool(flags, "cancel")) job = await unwrap(api.v1.hooks[":id"].replays[":job_id"].cancel.$post({ param: { id: seg(hookId), job_id: seg(jobId) } }));
  else if (jobId) job = await unwrap(api.v1.hooks[":id"].replays[":job_id"].$get({ param: { id: seg(hookId), job_id: seg(jobId) } }));
  else {
    const from = str(flags, "from");
    if (!from) throw new UsageError("a window replay needs --from (an ISO time, e.g. 2026-12-01T00:00:00Z)", "Example: hookrouter replay --hook hook_… --from 2026-12-01T00:00:00Z --to 2026-12-02T00:00:00Z");
    job = await unwrap(
      api.v1.hooks[":id"].replays.$post({
        param: { id: seg(hookId) },
        json: { from, to: str(flags, "to"), event_types: list(flags, "type"), only_failed: bool(flags, "only-failed") || undefined, limit: int(flags, "limit", { min: 1, max: 10_000_000 }) },
      }),
    );
  }
  if (wait && !bool(flags, "cancel")) job = await watch(api, hookId, job, json);
  else if (!json) out(progressLine(job));
  if (json) printJson(job);
  return job.status === "failed" ? EXIT.failed : EXIT.ok;
}

export const replayCommand: Command = {
  words: ["replay"],
  summary: "Replay a stored event (new deliveries to the hooks it matches now, or to --hook ones), or a time window of events to one hook as a background job",
  usage: [
    "replay EVENT_ID [--hook HOOK_ID]… [--json]",
    "replay --hook HOOK_ID --from TIME [--to TIME] [--type TYPE]… [--only-failed] [--limit N] [--no-wait] [--json]",
    "replay --hook HOOK_ID --job JOB_ID [--cancel] [--json]",
    "replay --hook HOOK_ID --list [--json]",
  ].join("\n       hookrouter "),
  details: [
    "With --from: starts a window replay job (POST /v1/hooks/{id}/replays) and prints its progress until it ends",
    "(--no-wait: print the job and return). --job watches an existing job again, --cancel stops it;",
    "--list shows the hook's jobs, newest first.",
    "Exit code 1 when the job failed.",
  ].join("\n"),
  options: {
    hook: { type: "string", multiple: true },
    from: { type: "string" },
    to: { type: "string" },
    type: { type: "string", multiple: true },
    "only-failed": { type: "boolean" },
    limit: { type: "string" },
    job: { type: "string" },
    cancel: { type: "boolean" },
    list: { type: "boolean" },
    "no-wait": { type: "boolean" },
  },
  positionals: { min: 0, max: 1, names: "[EVENT_ID]" },
  async run({ api, args, flags, json }) {
    if (args.length === 0) return windowReplay(api, flags, json);
    if (flags.from || flags.job || flags.list) throw new UsageError("give either EVENT_ID (one event) or --from/--job/--list (window replay jobs), not both");
    const replayed = await unwrap(api.v1.events[":id"].replay.$post({ param: { id: seg(args[0]!) }, json: { hook_ids: list(flags, "hook") } }));
    if (json) return printJson(replayed), EXIT.ok;
    const n = replayed.deliveries;
    out(`${style.bold(replayed.event_id)}  replayed → ${n} new ${n === 1 ? "delivery" : "deliveries"}`);
    for (const id of replayed.delivery_ids) out(`  ${id}`);
    return EXIT.ok;
  },
};
