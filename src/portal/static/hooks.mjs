// Hooks: the table (with live circuit, last test and 24 h stats), create/edit, enable/disable,
// test, secret reveal/rotate, a window replay (./replay.mjs), delete.

import { api, query } from "./api.mjs";
import { badge, busy, confirmDialog, fmtRate, fmtTime, h, pager, replace, reportError, showMessage } from "./ui.mjs";
import { hookForm } from "./hook-form.mjs";
import { replayPanel } from "./replay.mjs";

const PAGE_SIZE = 20;

function lastTestText(t) {
  if (!t) return "never";
  const what = t.success ? `✓ ${t.response_status ?? ""}` : `✗ ${t.response_status ?? t.error_message ?? "failed"}`;
  return `${what} · ${fmtTime(t.tested_at)}`;
}

function testResult(hook, r) {
  return h(
    "div",
    { class: `test-result ${r.success ? "ok" : "failed"}`, "data-test": "test-result" },
    h("h3", null, `Test of ${hook.name}: ${r.success ? "success" : "failed"}`),
    h(
      "dl",
      null,
      h("dt", null, "Event type"),
      h("dd", null, r.event_type),
      h("dt", null, "Response status"),
      h("dd", null, r.response_status ?? "—"),
      h("dt", null, "Error"),
      h("dd", null, r.error_message ?? "—"),
      h("dt", null, "Tested at"),
      h("dd", null, fmtTime(r.tested_at)),
    ),
    r.response_body ? h("pre", { class: "body" }, r.response_body) : null,
  );
}

export async function hooksView(root, ctx) {
  let cursors = [undefined];
  const panel = h("section", { class: "panel", id: "hook-panel", hidden: true });
  const table = h("div", { class: "table-box" });
  const showPanel = (...content) => {
    replace(panel, h("button", { class: "link close", "aria-label": "close", onclick: () => (panel.hidden = true) }, "×"), ...content);
    panel.hidden = false;
    panel.scrollIntoView({ block: "nearest" });
  };
  replace(
    root,
    h("div", { class: "toolbar" }, h("h2", null, "Hooks"), h("button", { class: "primary", onclick: () => openForm(null) }, "New hook")),
    panel,
    table,
  );

  async function openForm(hook) {
    // The catalog is read when the form opens (the only place it is used), not with every reload of the table.
    let catalog;
    try {
      catalog = (await api("GET", "/v1/event-types")).data;
    } catch (err) {
      return reportError(err);
    }
    showPanel(
      hookForm({
        hook,
        catalog,
        applications: ctx.session.applications,
        onCancel: () => (panel.hidden = true),
        onSaved: async (saved, secret) => {
          if (secret) {
            showPanel(
              h("h3", null, `Created ${saved.name}`),
              h("p", null, "Its signing secret (also shown later under Secret):"),
              h("code", { class: "secret", "data-test": "secret" }, secret),
            );
          } else panel.hidden = true;
          showMessage(hook ? `Saved ${saved.name}` : `Created ${saved.name}: its endpoint test is on its way`, "notice");
          await load();
        },
      }),
    );
  }

  async function showSecret(hook, button) {
    const shown = h("div");
    const reveal = async (b) => {
      const sec = await busy(b, () => api("GET", `/v1/hooks/${hook.id}/secret`));
      if (sec) replace(shown, secretLines(sec));
    };
    const rotate = async (b) => {
      if (!(await confirmDialog(`Rotate the secret of ${hook.name}?`, "Deliveries carry signatures of both secrets for 24 hours, then only the new one's.", "Rotate"))) return;
      const sec = await busy(b, () => api("POST", `/v1/hooks/${hook.id}/secret/rotate`, {}));
      if (sec) {
        replace(shown, secretLines(sec));
        showMessage(`Rotated the secret of ${hook.name}`, "notice");
      }
    };
    showPanel(
      h("h3", null, `Signing secret of ${hook.name}`),
      h("div", { class: "actions" }, h("button", { onclick: (e) => reveal(e.currentTarget) }, "Reveal secret"), h("button", { onclick: (e) => rotate(e.currentTarget) }, "Rotate secret")),
      shown,
    );
    button.blur();
  }

  function secretLines(sec) {
    // A v1a (ed25519) hook's private key is never shown: receivers verify with its public key.
    if (sec.signing_scheme === "v1a") {
      return [
        h("p", null, "Public key (ed25519, v1a signatures): ", h("code", { class: "secret", "data-test": "secret" }, sec.public_key)),
        sec.previous_public_key ? h("p", null, `Previous (still signing until ${fmtTime(sec.previous_secret_expires_at)}): `, h("code", { class: "secret" }, sec.previous_public_key)) : null,
      ];
    }
    return [
      h("p", null, "Current: ", h("code", { class: "secret", "data-test": "secret" }, sec.secret)),
      sec.previous_secret ? h("p", null, `Previous (still signing until ${fmtTime(sec.previous_secret_expires_at)}): `, h("code", { class: "secret" }, sec.previous_secret)) : null,
    ];
  }

  async function test(hook, button) {
    const r = await busy(button, () => api("POST", `/v1/hooks/${hook.id}/test`, {}));
    if (!r) return;
    showPanel(testResult(hook, r));
    await load();
  }

  async function setEnabled(hook, enabled, button) {
    if (await busy(button, () => api("POST", `/v1/hooks/${hook.id}/${enabled ? "enable" : "disable"}`))) await load();
  }

  async function remove(hook, button) {
    if (!(await confirmDialog(`Delete ${hook.name}?`, "The hook stops receiving events at once; its pending deliveries end skipped. This cannot be undone.", "Delete"))) return;
    if (await busy(button, () => api("DELETE", `/v1/hooks/${hook.id}`))) {
      showMessage(`Deleted ${hook.name}`, "notice");
      await load();
    }
  }

  function row(hook, stats) {
    const circuit = h("td", { class: "circuit" }, "…");
    const lastTest = h("td", { class: "last-test" }, "…");
    const tr = h(
      "tr",
      { "data-hook-id": hook.id, "data-hook-name": hook.name },
      h("td", null, h("strong", null, hook.name), hook.description ? h("div", { class: "muted" }, hook.description) : null),
      h("td", { class: "url" }, hook.kind === "slack" ? `Slack ${hook.slack?.channel_id ?? ""}` : hook.url),
      h(
        "td",
        null,
        hook.events.length ? hook.events.join(", ") : "all events",
        hook.applications ? h("div", { class: "muted" }, `apps: ${hook.applications.join(", ")}`) : null,
        hook.ordering === "fifo" ? h("div", { class: "muted" }, "in publish order (fifo)") : null,
      ),
      h("td", null, badge(hook.state)),
      h("td", null, badge(hook.enabled ? "enabled" : "disabled"), hook.disabled_reason ? h("div", { class: "muted" }, hook.disabled_reason) : null),
      circuit,
      lastTest,
      h("td", { class: "num rate" }, fmtRate(stats?.success_rate)),
      h("td", { class: "num volume" }, String(stats?.totals.total ?? 0)),
      h(
        "td",
        { class: "actions" },
        h("button", { onclick: (e) => test(hook, e.currentTarget) }, "Test"),
        h("button", { onclick: () => openForm(hook) }, "Edit"),
        h("button", { onclick: (e) => setEnabled(hook, !hook.enabled, e.currentTarget) }, hook.enabled ? "Disable" : "Enable"),
        h("button", { onclick: (e) => showSecret(hook, e.currentTarget) }, "Secret"),
        h("button", { onclick: () => ctx.navigate("deliveries", { hook_id: hook.id }) }, "Deliveries"),
        hook.phase === "pre" ? null : h("button", { onclick: () => showPanel(...replayPanel(hook)) }, "Replay"),
        h("button", { onclick: () => ctx.navigate("overview", { hook_id: hook.id }) }, "Chart"),
        h("button", { class: "danger", onclick: (e) => remove(hook, e.currentTarget) }, "Delete"),
      ),
    );
    return { tr, circuit, lastTest };
  }

  async function load() {
    try {
      const [page, stats] = await Promise.all([api("GET", `/v1/hooks${query({ limit: PAGE_SIZE, cursor: cursors.at(-1) })}`), api("GET", "/v1/stats")]);
      const byHook = new Map(stats.hooks.map((x) => [x.hook_id, x]));
      const rows = page.data.map((hook) => ({ hook, ...row(hook, byHook.get(hook.id)) }));
      const head = ["Name", "URL", "Events", "State", "Enabled", "Circuit", "Last test", "24 h success", "24 h volume", ""];
      replace(
        table,
        page.data.length === 0 && cursors.length === 1
          ? h("p", { class: "empty" }, "No hooks yet: create one with New hook.")
          : h("table", { class: "hooks" }, h("thead", null, h("tr", null, head.map((t) => h("th", null, t)))), h("tbody", null, rows.map((r) => r.tr))),
        pager(cursors, page.next_cursor, (c) => {
          cursors = c;
          load();
        }),
      );
      // The live state is per hook (its Durable Object): filled in as each answer comes.
      await Promise.all(
        rows.map(async (r) => {
          try {
            const live = await api("GET", `/v1/hooks/${r.hook.id}`);
            replace(r.circuit, badge(live.circuit ?? "closed"));
            replace(r.lastTest, lastTestText(live.last_test));
          } catch (err) {
            replace(r.circuit, "?");
            replace(r.lastTest, "?");
            reportError(err);
          }
        }),
      );
    } catch (err) {
      reportError(err);
    }
  }

  await load();
}
