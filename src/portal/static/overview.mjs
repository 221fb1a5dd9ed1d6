// Overview: the last 24 h of deliveries, overall and for one hook, as numbers and hourly charts, and
// the account's tunnels (`hookrouter listen --tunnel`) with whether a CLI is connected to each.

import { api } from "./api.mjs";
import { hourlyChart } from "./chart.mjs";
import { badge, fmtRate, fmtTime, h, replace, reportError } from "./ui.mjs";

export async function overviewView(root, ctx) {
  const cards = h("div", { class: "cards" });
  const overall = h("div");
  const perHook = h("div");
  const tunnels = h("div");
  const hookSelect = h("select", { name: "hook_id", onchange: () => loadHook() }, h("option", { value: "" }, "pick a hook"));
  replace(
    root,
    h("div", { class: "toolbar" }, h("h2", null, "Last 24 hours"), h("button", { onclick: () => load() }, "Refresh")),
    cards,
    overall,
    h("div", { class: "toolbar" }, h("h3", null, "Per hook"), hookSelect),
    perHook,
    tunnels,
  );

  async function loadHook() {
    if (!hookSelect.value) return replace(perHook, h("p", { class: "empty" }, "Pick a hook to see its deliveries per hour."));
    try {
      const stats = await api("GET", `/v1/hooks/${hookSelect.value}/stats`);
      replace(perHook, hourlyChart(stats, `${hookSelect.selectedOptions[0].textContent}: deliveries per hour (success ${fmtRate(stats.success_rate)})`));
    } catch (err) {
      reportError(err);
    }
  }

  async function load() {
    try {
      const [stats, hooks, tunnelList] = await Promise.all([api("GET", "/v1/stats"), api("GET", "/v1/hooks?limit=100"), api("GET", "/v1/tunnels")]);
      replace(tunnels, tunnelTable(tunnelList.data));
      const t = stats.totals;
      const card = (label, value, kind) => h("div", { class: `card ${kind ?? ""}` }, h("div", { class: "value" }, value), h("div", { class: "label" }, label));
      replace(
        cards,
        card("deliveries", String(t.total)),
        card("success rate", fmtRate(stats.success_rate)),
        card("succeeded", String(t.succeeded), "succeeded"),
        card("failing (will retry)", String(t.failed), "failed"),
        card("dead", String(t.dead), "dead"),
        card("hooks", String(hooks.data.length) + (hooks.next_cursor ? "+" : "")),
      );
      replace(overall, hourlyChart(stats, "All hooks: deliveries per hour"));
      const chosen = hookSelect.value || ctx.params.hook_id || "";
      replace(hookSelect, h("option", { value: "" }, "pick a hook"), hooks.data.map((x) => h("option", { value: x.id, selected: x.id === chosen }, x.name)));
      await loadHook();
    } catch (err) {
      reportError(err);
    }
  }

  await load();
}

/** Shown only when the account has tunnels (hooks on tunnel://NAME). */
function tunnelTable(list) {
  if (list.length === 0) return null;
  const head = ["Tunnel", "CLI", "Connected since", "Client", "Hooks"];
  const row = (t) =>
    h(
      "tr",
      { "data-tunnel": t.name },
      h("td", null, h("code", null, t.url)),
      h("td", null, badge(t.connected ? "connected" : "not connected", t.connected ? "succeeded" : "pending")),
      h("td", null, t.connected_at ? fmtTime(t.connected_at) : "-"),
      h("td", null, t.client ?? "-"),
      h("td", null, String(t.hook_ids.length)),
    );
  return [
    h("div", { class: "toolbar" }, h("h3", null, "Tunnels")),
    h("p", { class: "muted" }, "Hooks on tunnel://NAME are delivered to the `hookrouter listen --tunnel NAME` connected to it; with none connected, their deliveries fail and are retried."),
    h("table", { class: "tunnels" }, h("thead", null, h("tr", null, head.map((x) => h("th", null, x)))), h("tbody", null, list.map(row))),
  ];
}
