// Deliveries: filters (hook, event type, status, time), a paged table, and one delivery's attempts
// with Retry (Resend when it succeeded), Replay of its event to its hook, and the hook's "recover since".

import { api, query } from "./api.mjs";
import { localInput } from "./replay.mjs";
import { badge, busy, fmtTime, h, pager, replace, reportError, showMessage } from "./ui.mjs";

const PAGE_SIZE = 25;
const STATUSES = ["pending", "succeeded", "failed", "dead", "skipped"];
const toIso = (local) => (local ? new Date(local).toISOString() : undefined);

export async function deliveriesView(root, ctx) {
  let cursors = [undefined];
  let hooks = [];
  let catalog = [];
  try {
    [hooks, catalog] = await Promise.all([api("GET", "/v1/hooks?limit=100").then((r) => r.data), api("GET", "/v1/event-types").then((r) => r.data)]);
  } catch (err) {
    reportError(err);
  }
  const hookName = (id) => hooks.find((x) => x.id === id)?.name ?? id;

  const hook = h("select", { name: "hook_id" }, h("option", { value: "" }, "all hooks"), hooks.map((x) => h("option", { value: x.id, selected: x.id === ctx.params.hook_id }, x.name)));
  const eventType = h("input", { name: "event_type", list: "event-type-names", placeholder: "any event type", value: ctx.params.event_type ?? "" });
  const status = h("select", { name: "status" }, h("option", { value: "" }, "any status"), STATUSES.map((s) => h("option", { value: s, selected: s === ctx.params.status }, s)));
  const after = h("input", { name: "created_after", type: "datetime-local" });
  const before = h("input", { name: "created_before", type: "datetime-local" });
  const filters = h(
    "form",
    { class: "filters" },
    h("label", null, h("span", null, "Hook"), hook),
    h("label", null, h("span", null, "Event type"), eventType, h("datalist", { id: "event-type-names" }, catalog.map((t) => h("option", { value: t.name })))),
    h("label", null, h("span", null, "Status"), status),
    h("label", null, h("span", null, "From"), after),
    h("label", null, h("span", null, "To"), before),
    h("button", { type: "submit", class: "primary" }, "Apply"),
  );
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    cursors = [undefined];
    load();
  });

  const detail = h("section", { class: "panel", id: "delivery-panel", hidden: true });
  const table = h("div", { class: "table-box" });
  replace(root, h("div", { class: "toolbar" }, h("h2", null, "Deliveries"), h("button", { onclick: () => load() }, "Refresh")), filters, detail, table);

  async function load() {
    const q = {
      limit: PAGE_SIZE,
      cursor: cursors.at(-1),
      hook_id: hook.value,
      event_type: eventType.value.trim(),
      status: status.value,
      created_after: toIso(after.value),
      created_before: toIso(before.value),
    };
    try {
      const page = await api("GET", `/v1/deliveries${query(q)}`);
      const head = ["Created", "Event type", "Hook", "Status", "Attempts", "Last attempt", "Next attempt"];
      replace(
        table,
        page.data.length === 0
          ? h("p", { class: "empty" }, "No deliveries match.")
          : h(
              "table",
              { class: "deliveries" },
              h("thead", null, h("tr", null, head.map((t) => h("th", null, t)))),
              h(
                "tbody",
                null,
                page.data.map((d) =>
                  h(
                    "tr",
                    { class: "clickable", "data-delivery-id": d.id, "data-status": d.status, tabindex: 0, onclick: () => open(d.id), onkeydown: (e) => e.key === "Enter" && open(d.id) },
                    h("td", null, fmtTime(d.created_at)),
                    h("td", null, d.event_type),
                    h("td", null, hookName(d.hook_id)),
                    h("td", null, badge(d.status)),
                    h("td", { class: "num" }, String(d.attempts)),
                    h("td", null, fmtTime(d.last_attempt_at)),
                    h("td", null, fmtTime(d.next_attempt_at)),
                  ),
                ),
              ),
            ),
        pager(cursors, page.next_cursor, (c) => {
          cursors = c;
          load();
        }),
      );
    } catch (err) {
      reportError(err);
    }
  }

  async function open(id) {
    try {
      renderDetail(await api("GET", `/v1/deliveries/${id}`));
    } catch (err) {
      reportError(err);
    }
  }

  /** After a retry: the attempt happens in the background; show it when it is logged. */
  async function follow(id, attemptsBefore) {
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const d = await api("GET", `/v1/deliveries/${id}`);
      if (d.attempt_log.length > attemptsBefore && d.status !== "pending") {
        renderDetail(d);
        await load();
        return;
      }
    }
  }

  function renderDetail(d) {
    const since = h("input", { type: "datetime-local", name: "since", value: localInput(new Date(Date.now() - 86_400_000)) });
    // Retry (failed, dead, skipped) and Resend (succeeded: same webhook-id) both queue one attempt now.
    const redeliver = (action, message) => async (b) => {
      const queued = await busy(b, () => api("POST", `/v1/deliveries/${d.id}/${action}`));
      if (!queued) return;
      showMessage(message, "notice");
      renderDetail({ ...d, ...queued });
      follow(d.id, d.attempt_log.length).catch(reportError);
    };
    const retry = redeliver("retry", "Retry queued: one attempt now");
    // Replay: the event again to this delivery's hook, as a new delivery (a new webhook-id).
    const replay = async (b) => {
      const r = await busy(b, () => api("POST", `/v1/events/${d.event_id}/replay`, { hook_ids: [d.hook_id] }));
      if (!r) return;
      showMessage(r.deliveries ? `Event replayed to ${hookName(d.hook_id)}: new delivery ${r.delivery_ids[0]}` : `${hookName(d.hook_id)} is disabled: nothing replayed`, "notice");
      if (!r.deliveries) return;
      await open(r.delivery_ids[0]);
      follow(r.delivery_ids[0], 0).catch(reportError);
    };
    const resend = redeliver("resend", "Resend queued: the receiver gets it again, same webhook-id");
    const recover = async (b) => {
      const r = await busy(b, () => api("POST", `/v1/hooks/${d.hook_id}/recover`, { since: toIso(since.value) }));
      if (r) showMessage(`Queued ${r.requeued} failed or dead deliveries of ${hookName(d.hook_id)} again${r.next_since ? " (more remain: recover again)" : ""}`, "notice");
    };
    const canRetry = ["failed", "dead", "skipped"].includes(d.status);
    replace(
      detail,
      h("button", { class: "link close", "aria-label": "close", onclick: () => (detail.hidden = true) }, "×"),
      h("h3", null, "Delivery ", h("code", null, d.id)),
      h(
        "dl",
        { class: "facts" },
        h("dt", null, "Status"),
        h("dd", { "data-test": "delivery-status" }, badge(d.status)),
        h("dt", null, "Event"),
        h("dd", null, `${d.event_type} (${d.event_id})`),
        h("dt", null, "Hook"),
        h("dd", null, hookName(d.hook_id)),
        h("dt", null, "Created"),
        h("dd", null, fmtTime(d.created_at)),
      ),
      h(
        "div",
        { class: "actions" },
        h("button", { class: "primary", disabled: !canRetry, onclick: (e) => retry(e.currentTarget) }, "Retry"),
        d.status === "succeeded" ? h("button", { onclick: (e) => resend(e.currentTarget) }, "Resend") : null,
        h("button", { title: "Send this event to this hook again as a new delivery (new webhook-id)", onclick: (e) => replay(e.currentTarget) }, "Replay event"),
        h("span", { class: "spacer" }),
        h("label", { class: "inline" }, "Recover this hook's failed deliveries since ", since),
        h("button", { onclick: (e) => recover(e.currentTarget) }, "Recover"),
      ),
      h("h4", null, `Attempts (${d.attempt_log.length})`),
      d.attempt_log.length === 0
        ? h("p", { class: "empty" }, "No attempt yet.")
        : h(
            "table",
            { class: "attempts" },
            h("thead", null, h("tr", null, ["#", "At", "Status", "Duration", "Error", "Response body"].map((t) => h("th", null, t)))),
            h(
              "tbody",
              null,
              d.attempt_log.map((a) =>
                h(
                  "tr",
                  null,
                  h("td", null, String(a.n)),
                  h("td", null, fmtTime(a.at)),
                  h("td", null, a.response_status ?? "—"),
                  h("td", { class: "num" }, `${a.duration_ms} ms`),
                  h("td", null, a.error ?? "—"),
                  h("td", null, a.response_body ? h("pre", { class: "body" }, a.response_body) : "—"),
                ),
              ),
            ),
          ),
    );
    detail.hidden = false;
    detail.scrollIntoView({ block: "nearest" });
  }

  await load();
}
