// The account's event catalog and how a receiver verifies what hookrouter signs.

import { api } from "./api.mjs";
import { h, replace, reportError } from "./ui.mjs";

export const LIBRARY_SNIPPET = `// npm install standardwebhooks  (any Standard Webhooks or Svix verifier works)
import { Webhook } from "standardwebhooks";

const wh = new Webhook(process.env.HOOK_SECRET); // whsec_… from the portal's Secret button

// In your HTTP handler, with the raw body exactly as received:
const event = wh.verify(rawBody, {
  "webhook-id": req.headers["webhook-id"],
  "webhook-timestamp": req.headers["webhook-timestamp"],
  "webhook-signature": req.headers["webhook-signature"],
}); // throws if the signature or the timestamp (5 minutes) is wrong`;

export const PLAIN_SNIPPET = `// Node.js, no dependency
import { createHmac, timingSafeEqual } from "node:crypto";

function verify(secret, headers, rawBody) {
  const id = headers["webhook-id"], ts = headers["webhook-timestamp"];
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false; // replayed or stale
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(\`\${id}.\${ts}.\${rawBody}\`).digest("base64");
  // During a secret rotation the header carries several signatures: "v1,<sig> v1,<sig>".
  return headers["webhook-signature"].split(" ").some((s) => {
    const sig = Buffer.from(s.slice(3));
    return s.startsWith("v1,") && sig.length === Buffer.byteLength(expected) && timingSafeEqual(sig, Buffer.from(expected));
  });
}`;

export async function catalogView(root) {
  const list = h("div", { class: "table-box" }, "Loading…");
  replace(
    root,
    h("h2", null, "Event catalog"),
    list,
    h("h2", null, "Verifying a delivery"),
    h(
      "p",
      null,
      "Every delivery is signed the Standard Webhooks way: webhook-signature is v1, then the base64 HMAC-SHA256 of ",
      h("code", null, "{webhook-id}.{webhook-timestamp}.{body}"),
      " keyed with the base64-decoded part of the hook's secret after whsec_. webhook-id stays the same on every retry: use it to drop duplicates.",
    ),
    h("pre", { class: "snippet", "data-test": "snippet" }, LIBRARY_SNIPPET),
    h("pre", { class: "snippet" }, PLAIN_SNIPPET),
  );
  try {
    const all = (await api("GET", "/v1/event-types?include_built_in=true")).data;
    const types = all.filter((t) => !t.built_in);
    const builtIn = all.filter((t) => t.built_in);
    replace(
      list,
      types.length === 0
        ? h("p", { class: "empty" }, "This account has no catalog: hooks may subscribe to any event name or pattern.")
        : h(
            "table",
            { class: "catalog" },
            h("thead", null, h("tr", null, ["Name", "Description", "Reaches application hooks"].map((t) => h("th", null, t)))),
            h("tbody", null, types.map((t) => h("tr", null, h("td", null, h("code", null, t.name)), h("td", null, t.description || "—"), h("td", null, t.application_level ? "yes" : "no (site-level only)")))),
          ),
      // hookrouter's own events about this account's hooks: subscribe to hookrouter.* to receive them.
      h("h3", null, "Operational events (built in)"),
      h("p", null, "Published by hookrouter about this account's hooks, to hooks subscribed to hookrouter.* (never to the hook an event is about); at most one per hook and kind a minute."),
      h(
        "table",
        { class: "built-in", "data-test": "built-in-types" },
        h("thead", null, h("tr", null, ["Name", "Description", "Payload fields"].map((t) => h("th", null, t)))),
        h("tbody", null, builtIn.map((t) => h("tr", null, h("td", null, h("code", null, t.name)), h("td", null, t.description), h("td", null, Object.keys(t.payload_schema?.properties ?? {}).join(", "))))),
      ),
    );
  } catch (err) {
    reportError(err);
  }
}
