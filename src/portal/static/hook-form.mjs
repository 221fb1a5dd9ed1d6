// The create/edit form of a webhook hook. Events are picked from the account's catalog when it has
// one (subscriptions must then be cataloged names or patterns); otherwise typed as names or patterns.

import { api } from "./api.mjs";
import { busy, h } from "./ui.mjs";

const list = (text) =>
  text
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

export function hookForm({ hook, catalog, applications, onCancel, onSaved }) {
  const editing = !!hook;
  const field = (label, input, hint) => h("label", null, h("span", null, label), input, hint ? h("small", null, hint) : null);

  const name = h("input", { name: "name", required: true, maxlength: 100, value: hook?.name ?? "" });
  const url = h("input", { name: "url", type: "url", required: hook?.kind !== "slack", value: hook?.url ?? "", placeholder: "https://example.com/webhooks" });
  const description = h("input", { name: "description", maxlength: 1000, value: hook?.description ?? "" });
  const apps = h("input", {
    name: "applications",
    value: (hook ? hook.applications ?? [] : applications ?? []).join(", "),
    placeholder: applications ? applications.join(", ") : "empty: every application (site-level)",
  });
  const format = h(
    "select",
    { name: "payload_format" },
    ["envelope", "raw"].map((f) => h("option", { value: f, selected: (hook?.payload_format ?? "envelope") === f }, f)),
  );
  const rate = h("input", { name: "rate_limit_per_second", type: "number", min: "0.001", step: "any", value: hook?.rate_limit_per_second ?? "" });
  const enabled = h("input", { name: "enabled", type: "checkbox", checked: hook ? hook.enabled : true });
  // The hook's delivery policy (docs/delivery.md): empty fields keep the deployment's defaults.
  const schedule = h("input", { name: "retry_schedule", value: hook?.retry_schedule?.join(", ") ?? "", placeholder: "empty: the deployment's schedule; e.g. 10, 60, 600" });
  const timeout = h("input", { name: "delivery_timeout_ms", type: "number", min: "100", step: "1", value: hook?.delivery_timeout_ms ?? "" });
  const finals = h("input", {
    name: "final_statuses",
    value: Array.isArray(hook?.final_statuses) ? hook.final_statuses.join(", ") : hook?.final_statuses ?? "",
    placeholder: "empty: retry every failure; client_errors, or e.g. 400, 422",
  });
  // Ordered delivery (docs/delivery.md#ordered-delivery): one at a time, in publish order.
  const ordering = h("select", { name: "ordering" }, ["none", "fifo"].map((o) => h("option", { value: o, selected: (hook?.ordering ?? "none") === o }, o)));
  const onDead = h(
    "select",
    { name: "ordering_on_dead" },
    ["skip", "block"].map((o) => h("option", { value: o, selected: (hook?.ordering_on_dead ?? "skip") === o }, o)),
  );

  // With a catalog: one checkbox per cataloged name, plus the hook's own patterns (kept when editing).
  const current = hook?.events ?? [];
  const names = [...new Set([...catalog.map((t) => t.name), ...current])];
  const eventBoxes = names.map((n) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "events", value: n, checked: current.includes(n) }), n));
  const eventsText = h("input", { name: "events", value: current.join(", "), placeholder: "empty: every event; names or patterns like job_run.*" });
  const events =
    catalog.length > 0
      ? h("fieldset", { class: "events" }, h("legend", null, "Events (none checked: every event)"), eventBoxes)
      : field("Events", eventsText, "comma-separated names or patterns; empty means every event");

  const form = h(
    "form",
    { class: "hook-form", novalidate: true },
    h("h3", null, editing ? `Edit ${hook.name}` : "New hook"),
    field("Name", name),
    hook?.kind === "slack" ? null : field("URL", url),
    field("Description", description),
    events,
    field("Applications", apps, applications ? `this session manages ${applications.join(", ")} only` : "comma-separated; empty: site-level"),
    field("Payload", format, "envelope: {id, type, timestamp, data}; raw: the payload alone"),
    field("Rate limit (per second)", rate, "empty: no limit"),
    field("Retry schedule (seconds)", schedule, "the waits before each retry, at most 20; empty: the deployment's"),
    field("Delivery timeout (ms)", timeout, "empty: the deployment's"),
    field("Final answers", finals, "no retry after these: client_errors (4xx but 408, 409, 425, 429) or statuses"),
    field("Ordering", ordering, "fifo: one delivery at a time, in publish order; none: in parallel"),
    field("A dead delivery (fifo)", onDead, "skip: the next one follows; block: the line waits for a manual retry of it"),
    editing ? null : h("label", { class: "check" }, enabled, "Enabled"),
    h("div", { class: "actions" }, h("button", { type: "button", onclick: onCancel }, "Cancel"), h("button", { type: "submit", class: "primary" }, editing ? "Save" : "Create hook")),
  );

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const picked = catalog.length > 0 ? eventBoxes.map((l) => l.firstChild).filter((b) => b.checked).map((b) => b.value) : list(eventsText.value);
    const body = {
      name: name.value.trim(),
      description: description.value,
      events: picked,
      applications: list(apps.value).length ? list(apps.value) : null,
      payload_format: format.value,
      rate_limit_per_second: rate.value === "" ? null : Number(rate.value),
      retry_schedule: schedule.value.trim() === "" ? null : list(schedule.value).map(Number),
      delivery_timeout_ms: timeout.value === "" ? null : Number(timeout.value),
      final_statuses: finals.value.trim() === "" ? null : finals.value.trim() === "client_errors" ? "client_errors" : list(finals.value).map(Number),
      ordering: ordering.value,
      ordering_on_dead: onDead.value,
    };
    if (hook?.kind !== "slack") body.url = url.value.trim();
    if (!editing) {
      body.enabled = enabled.checked;
      if (body.applications === null) delete body.applications;
      if (body.rate_limit_per_second === null) delete body.rate_limit_per_second;
      for (const k of ["retry_schedule", "delivery_timeout_ms", "final_statuses"]) if (body[k] === null) delete body[k];
    }
    const submit = form.querySelector("button[type=submit]");
    const saved = await busy(submit, () => (editing ? api("PATCH", `/v1/hooks/${hook.id}`, body) : api("POST", "/v1/hooks", body)));
    if (saved) await onSaved(saved, editing ? null : saved.secret);
  });
  return form;
}
