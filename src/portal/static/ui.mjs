// DOM helpers. Everything the API answers (names, URLs, receivers' response bodies) reaches the
// page as text nodes only, never as HTML, and no element gets a style attribute (the page's CSP).

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

function setProps(el, props) {
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === "class") el.className = v;
    else if (k === "value" || k === "checked" || k === "disabled" || k === "selected") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A message in the page's message area; errors stay until dismissed, notices fade. */
export function showMessage(text, kind = "error") {
  const box = document.getElementById("messages");
  const close = h("button", { class: "link", "aria-label": "dismiss" }, "×");
  const msg = h("div", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, h("span", null, text), close);
  close.addEventListener("click", () => msg.remove());
  box.prepend(msg);
  while (box.children.length > 4) box.lastChild.remove();
  if (kind !== "error") setTimeout(() => msg.remove(), 8000);
}

export function reportError(err) {
  showMessage(err && err.message ? err.message : String(err), "error");
}

/** A modal yes/no question; resolves true when confirmed. */
export function confirmDialog(title, text, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "confirm" },
      h("h3", null, title),
      h("p", null, text),
      h(
        "div",
        { class: "actions" },
        h("button", { onclick: () => dialog.close("cancel") }, "Cancel"),
        h("button", { class: "danger", onclick: () => dialog.close("ok") }, confirmLabel),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "ok");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Runs an action from a button: disabled while it runs, errors shown as messages. */
export async function busy(button, action) {
  button.disabled = true;
  try {
    return await action();
  } catch (err) {
    reportError(err);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

export function fmtTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function fmtRate(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)} %`;
}

export function badge(text, kind) {
  return h("span", { class: `badge ${kind || text}` }, text);
}

/** Previous/next buttons over a cursor-paged list; `cursors` is the stack of pages seen. */
export function pager(cursors, nextCursor, go) {
  return h(
    "div",
    { class: "pager" },
    h("button", { disabled: cursors.length <= 1, onclick: () => go(cursors.slice(0, -1)) }, "← Previous"),
    h("span", null, `Page ${cursors.length}`),
    h("button", { disabled: !nextCursor, onclick: () => go([...cursors, nextCursor]) }, "Next →"),
  );
}
