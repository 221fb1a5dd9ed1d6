// A hook's window replay: the form that starts a job (POST /v1/hooks/{id}/replays) and the job's
// progress, polled every second until it ends, with Cancel while it runs; below, the hook's recent
// jobs (GET /v1/hooks/{id}/replays), each one's progress a click away.

import { api } from "./api.mjs";
import { busy, fmtTime, h, replace, reportError, showMessage } from "./ui.mjs";

const POLL_MS = 1000;
const FINISHED = ["done", "failed", "cancelled"];

/** A Date as a datetime-local input's value (local time, minutes). */
export function localInput(d) {
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The panel's content for `hook`: the form, then the job's progress in place of nothing. */
export function replayPanel(hook) {
  const from = h("input", { type: "datetime-local", name: "from", required: true, value: localInput(new Date(Date.now() - 86_400_000)) });
  const to = h("input", { type: "datetime-local", name: "to", value: localInput(new Date(Date.now() + 60_000)) });
  const types = h("input", { name: "event_types", placeholder: "all the hook's event types (or: a.b, c.d)" });
  const onlyFailed = h("input", { type: "checkbox", name: "only_failed" });
  const limit = h("input", { type: "number", name: "limit", min: 1, placeholder: "the deployment's cap" });
  const progress = h("div", { class: "replay-job", "data-test": "replay-job" });
  const recent = h("div", { class: "table-box", "data-test": "replay-jobs" });
  listJobs(hook, recent, progress).catch(reportError);
  const start = h("button", { type: "submit", class: "primary" }, "Start replay");
  const form = h(
    "form",
    { class: "filters" },
    h("label", null, h("span", null, "From"), from),
    h("label", null, h("span", null, "To"), to),
    h("label", null, h("span", null, "Event types"), types),
    h("label", { class: "inline" }, onlyFailed, " only events whose delivery to this hook failed (dead or skipped)"),
    h("label", null, h("span", null, "At most"), limit),
    start,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const eventTypes = types.value.split(",").map((s) => s.trim()).filter(Boolean);
    const body = {
      from: new Date(from.value).toISOString(),
      ...(to.value ? { to: new Date(to.value).toISOString() } : {}),
      ...(eventTypes.length ? { event_types: eventTypes } : {}),
      ...(onlyFailed.checked ? { only_failed: true } : {}),
      ...(limit.value ? { limit: Number(limit.value) } : {}),
    };
    const job = await busy(start, () => api("POST", `/v1/hooks/${hook.id}/replays`, body));
    if (!job) return;
    showMessage(`Replay of ${hook.name} started`, "notice");
    follow(hook, job, progress).catch(reportError);
    listJobs(hook, recent, progress).catch(reportError);
  });
  return [
    h("h3", null, `Replay events to ${hook.name}`),
    h("p", { class: "muted" }, "The stored events of the window that this hook matches now (or, with the box ticked, whose delivery to it failed) are sent to it again as new deliveries, by a background job."),
    form,
    progress,
    h("h4", null, "Recent jobs"),
    recent,
  ];
}

/** The hook's latest jobs (a finished one is kept 7 days); "Show" follows one in `progress`. */
async function listJobs(hook, box, progress) {
  const { data } = await api("GET", `/v1/hooks/${hook.id}/replays?limit=10`);
  const row = (job) =>
    h(
      "tr",
      null,
      h("td", null, h("code", null, job.id)),
      h("td", null, job.status),
      h("td", null, `${job.counts.replayed} of ${job.counts.scanned}`),
      h("td", null, fmtTime(job.created_at)),
      h("td", null, h("button", { onclick: () => follow(hook, job, progress).catch(reportError) }, "Show")),
    );
  replace(
    box,
    data.length === 0
      ? h("p", { class: "muted" }, "No replay jobs in the last 7 days.")
      : h("table", { class: "replay-jobs" }, h("thead", null, h("tr", null, ["Job", "Status", "Replayed", "Created", ""].map((t) => h("th", null, t)))), h("tbody", null, data.map(row))),
  );
}

/** Shows the job, then polls it until it has ended. */
async function follow(hook, job, box) {
  for (;;) {
    render(hook, job, box);
    if (FINISHED.includes(job.status) || !box.isConnected) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
    job = await api("GET", `/v1/hooks/${hook.id}/replays/${job.id}`);
  }
}

function render(hook, job, box) {
  const cancel = async (b) => {
    const cancelled = await busy(b, () => api("POST", `/v1/hooks/${hook.id}/replays/${job.id}/cancel`));
    if (cancelled) render(hook, cancelled, box);
  };
  const { scanned, replayed, skipped } = job.counts;
  replace(
    box,
    h("h4", null, "Job ", h("code", null, job.id)),
    h("progress", { max: 1, value: job.progress }),
    h(
      "dl",
      { class: "facts" },
      h("dt", null, "Status"),
      h("dd", { "data-test": "replay-status" }, job.status),
      h("dt", null, "Replayed"),
      h("dd", { "data-test": "replay-replayed" }, `${replayed} new deliveries (${skipped} skipped of ${scanned} events read; log shards ${job.shards.done}/${job.shards.total})`),
      h("dt", null, "Cap"),
      h("dd", null, job.capped ? `reached: stopped at ${job.limit} with more events left` : `${job.limit}`),
      h("dt", null, "Started"),
      h("dd", null, fmtTime(job.started_at)),
      h("dt", null, "Finished"),
      h("dd", null, fmtTime(job.finished_at)),
      job.error ? [h("dt", null, "Error"), h("dd", null, job.error)] : null,
    ),
    FINISHED.includes(job.status) ? null : h("div", { class: "actions" }, h("button", { onclick: (e) => cancel(e.currentTarget) }, "Cancel")),
  );
}
