#!/usr/bin/env node
// Re-seals every stored secret (hook secrets, previous hook secrets, Slack tokens) under the current
// ENCRYPTION_KEY, after a key rotation, by calling POST /v1/admin/reencrypt batch by batch until it
// is done. Safe to run again at any time: values already under the current key are left alone.
//
//   npm run reencrypt -- [--url http://localhost:8787] [--admin-token T] [--batch 100]
//
// The admin token comes from --admin-token, else HOOKROUTER_ADMIN_TOKEN, else ADMIN_TOKEN in
// ./.dev.vars. Exits 1 when some value could not be opened (its key is missing from
// ENCRYPTION_KEYS_PREVIOUS): those rows are listed and left as they are.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: flags } = parseArgs({
  options: {
    url: { type: "string", default: process.env.HOOKROUTER_URL ?? "http://localhost:8787" },
    "admin-token": { type: "string" },
    batch: { type: "string", default: "100" },
    help: { type: "boolean", short: "h" },
  },
});
if (flags.help) {
  console.log("usage: npm run reencrypt -- [--url URL] [--admin-token T] [--batch 1..200]");
  process.exit(0);
}

function devVarsAdminToken() {
  if (!existsSync(".dev.vars")) return undefined;
  const m = /^\s*(?:export\s+)?ADMIN_TOKEN\s*=\s*(.*?)\s*$/m.exec(readFileSync(".dev.vars", "utf8"));
  return m ? m[1].replace(/^(["'])(.*)\1$/, "$2") : undefined;
}

const token = flags["admin-token"] ?? process.env.HOOKROUTER_ADMIN_TOKEN ?? devVarsAdminToken();
if (!token) {
  console.error("no admin token: pass --admin-token, set HOOKROUTER_ADMIN_TOKEN, or run this where .dev.vars is");
  process.exit(2);
}
const limit = Number(flags.batch);
const base = flags.url.replace(/\/+$/, "");

let cursor;
const totals = { batches: 0, scanned: 0, resealed: 0, unbound_found: 0, changed_meanwhile: 0, unreadable: [] };
let keyId;
do {
  const res = await fetch(`${base}/v1/admin/reencrypt`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(cursor ? { limit, cursor } : { limit }),
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    console.error(`reencrypt failed: HTTP ${res.status} ${body?.error?.message ?? ""}`);
    process.exit(2);
  }
  keyId = body.current_key_id;
  totals.batches++;
  totals.scanned += body.scanned;
  totals.resealed += body.resealed;
  totals.unbound_found += body.unbound_found;
  totals.changed_meanwhile += body.changed_meanwhile;
  totals.unreadable.push(...body.unreadable);
  cursor = body.next_cursor ?? undefined;
} while (cursor);

console.log(
  `current key ${keyId}: ${totals.scanned} rows scanned in ${totals.batches} batches, ${totals.resealed} re-sealed ` +
    `(${totals.unbound_found} values among them sealed before row binding, now bound), ` +
    `${totals.changed_meanwhile} changed meanwhile (run again to check them), ${totals.unreadable.length} unreadable`,
);
for (const u of totals.unreadable) console.log(`  unreadable: ${u.table} ${u.id}: ${u.error}`);
process.exit(totals.unreadable.length > 0 ? 1 : 0);
