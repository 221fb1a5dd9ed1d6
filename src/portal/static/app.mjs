// The portal's entry: takes the session token from the link's fragment (#token=…, which browsers
// never send to a server) into sessionStorage, then shows one view at a time by the URL's hash.

import { claimsOf, sessionFromApiKey, setToken, storedToken } from "./api.mjs";
import { catalogView } from "./catalog.mjs";
import { deliveriesView } from "./deliveries.mjs";
import { showHealth } from "./health.mjs";
import { hooksView } from "./hooks.mjs";
import { overviewView } from "./overview.mjs";
import { busy, fmtTime, h, replace, reportError } from "./ui.mjs";

const VIEWS = { overview: ["Overview", overviewView], hooks: ["Hooks", hooksView], deliveries: ["Deliveries", deliveriesView], catalog: ["Event catalog", catalogView] };

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("session");
const health = document.getElementById("health");
let session = null;
// The account whose page this is (?account=, its portal settings): only its sessions open here.
const pageAccount = document.body.dataset.account || null;
const pageTitle = document.body.dataset.title || "hookrouter portal";
// Framed by another site (an account that allows embedding): only a link's token opens a session,
// never a typed-in key (a framing site must not be able to collect one).
const framed = window.top !== window.self;

function route() {
  const [name, q] = location.hash.replace(/^#\/?/, "").split("?");
  return { view: VIEWS[name] ? name : "hooks", params: Object.fromEntries(new URLSearchParams(q ?? "")) };
}

export function navigate(view, params = {}) {
  const q = new URLSearchParams(params).toString();
  location.hash = `/${view}${q ? `?${q}` : ""}`;
}

async function show() {
  if (!session) return;
  if (session.expiresAt <= new Date()) return signIn("This portal session has expired: open a new portal link.");
  const { view, params } = route();
  for (const a of nav.querySelectorAll("a")) a.classList.toggle("active", a.dataset.view === view);
  document.title = `${VIEWS[view][0]} · ${pageTitle}`;
  const root = h("div", { class: "view", "data-view": view });
  replace(main, root);
  showHealth(health);
  try {
    await VIEWS[view][1](root, { session, params, navigate });
  } catch (err) {
    reportError(err);
  }
}

function start(token) {
  const claims = claimsOf(token);
  if (!claims) return signIn("That is not a portal token.");
  if (pageAccount && claims.accountId !== pageAccount) return signIn("This portal link is for another account.");
  setToken(token);
  session = claims;
  replace(
    who,
    h("span", null, `Account ${claims.accountId}`),
    claims.applications ? h("span", null, ` · applications ${claims.applications.join(", ")}`) : null,
    h("span", { class: "muted" }, ` · until ${fmtTime(claims.expiresAt.toISOString())}`),
    h("button", { class: "link", onclick: () => signIn("Signed out.") }, "Sign out"),
  );
  replace(nav, Object.entries(VIEWS).map(([key, [label]]) => h("a", { href: `#/${key}`, "data-view": key }, label)));
  show();
}

/** No session: paste a portal link's token, or an API key (local use: it only mints a session and is not kept). */
function signIn(reason) {
  session = null;
  setToken(null);
  health.hidden = true;
  replace(who);
  replace(nav);
  if (framed) {
    replace(main, h("div", { class: "sign-in" }, h("h2", null, "Open the portal"), reason ? h("p", { class: "muted" }, reason) : null, h("p", null, "Open the portal through the link your provider gives you.")));
    return;
  }
  const input = h("input", { name: "credential", type: "password", autocomplete: "off", placeholder: "hrp_… portal token, or hrk_… API key", required: true });
  const form = h(
    "form",
    { class: "sign-in" },
    h("h2", null, "Open the portal"),
    reason ? h("p", { class: "muted" }, reason) : null,
    h("p", null, "Open the link your provider gave you, or paste its token. For local use an API key works too: it only opens a one-hour session and is not stored."),
    input,
    h("button", { type: "submit", class: "primary" }, "Open"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = input.value.trim();
    input.value = "";
    const token = value.startsWith("hrk_") ? await busy(form.querySelector("button"), () => sessionFromApiKey(value)) : value;
    if (token) start(token);
  });
  replace(main, form);
}

window.addEventListener("hashchange", () => {
  if (location.hash.startsWith("#token=")) return boot();
  show();
});

function boot() {
  const fromLink = /^#token=([A-Za-z0-9_.-]+)/.exec(location.hash);
  if (fromLink) history.replaceState(null, "", `${location.pathname}${location.search}#/hooks`); // the token leaves the address bar and history
  const token = fromLink ? fromLink[1] : storedToken();
  if (token) start(token);
  else signIn(null);
}

boot();
