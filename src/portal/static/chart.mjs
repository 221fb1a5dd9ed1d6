// Deliveries per hour by outcome as stacked bars (inline SVG), from GET /v1/stats or
// GET /v1/hooks/{id}/stats.

import { h, s } from "./ui.mjs";

const OUTCOMES = ["succeeded", "failed", "dead", "pending", "skipped"];

const W = 760;
const H = 220;
const PAD = { left: 40, right: 10, top: 12, bottom: 28 };

function hourLabel(iso) {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export function hourlyChart(stats, title) {
  const hours = stats.hours;
  const max = Math.max(1, ...hours.map((x) => x.total));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / hours.length;
  const barW = Math.max(2, slot * 0.75);
  const y = (n) => PAD.top + plotH - (n / max) * plotH;

  const bars = hours.map((hour, i) => {
    let base = 0;
    const x = PAD.left + i * slot + (slot - barW) / 2;
    const parts = OUTCOMES.filter((o) => hour[o] > 0).map((o) => {
      const rect = s("rect", { class: `bar ${o}`, x: x.toFixed(1), y: y(base + hour[o]).toFixed(1), width: barW.toFixed(1), height: ((hour[o] / max) * plotH).toFixed(1) });
      base += hour[o];
      return rect;
    });
    const tip = `${hourLabel(hour.hour)}: ${hour.total} deliveries` + OUTCOMES.filter((o) => hour[o] > 0).map((o) => `, ${hour[o]} ${o}`).join("");
    return s("g", { class: "hour" }, s("title", null, tip), s("rect", { class: "hit", x: (PAD.left + i * slot).toFixed(1), y: PAD.top, width: slot.toFixed(1), height: plotH }), parts);
  });

  const labels = hours
    .map((hour, i) => (i % 3 === 0 || i === hours.length - 1 ? s("text", { class: "axis", x: (PAD.left + i * slot + slot / 2).toFixed(1), y: H - 8, "text-anchor": "middle" }, hourLabel(hour.hour)) : null))
    .filter(Boolean);

  const svg = s(
    "svg",
    {
      class: "chart",
      viewBox: `0 0 ${W} ${H}`,
      role: "img",
      "aria-label": `${title}: ${stats.totals.total} deliveries in ${hours.length} hours`,
      "data-total": stats.totals.total,
      "data-succeeded": stats.totals.succeeded,
      "data-failed": stats.totals.failed + stats.totals.dead,
    },
    s("line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: y(max), y2: y(max) }),
    s("line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: y(max / 2), y2: y(max / 2) }),
    s("line", { class: "baseline", x1: PAD.left, x2: W - PAD.right, y1: y(0), y2: y(0) }),
    s("text", { class: "axis", x: PAD.left - 6, y: y(max) + 4, "text-anchor": "end" }, String(max)),
    s("text", { class: "axis", x: PAD.left - 6, y: y(0) + 4, "text-anchor": "end" }, "0"),
    bars,
    labels,
  );
  const legend = h(
    "ul",
    { class: "legend" },
    OUTCOMES.map((o) => h("li", null, h("span", { class: `swatch ${o}` }), `${o} ${stats.totals[o]}`)),
  );
  return h("figure", { class: "chart-box" }, h("figcaption", null, title), svg, legend);
}
