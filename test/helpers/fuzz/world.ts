import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { SealedIn, SecretBox } from "../../../src/crypto/secret-box";
import { logOf } from "../../../src/durable/delivery-log";
import type { Env } from "../../../src/env";
import { ADMIN_TOKEN, fetchWorker } from "../api";

// The accounts a fuzz run plays with: a victim whose data must never be read or changed through
// another account's key, an attacker whose key sends the generated requests, and the raw view (its
// D1 rows and its delivery log's rows) used to tell whether the victim's rows moved.

const bindings = env as unknown as { DB: D1Database; ENCRYPTION_KEY: string; DELIVERY_LOG: Env["DELIVERY_LOG"] };

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

/** One request to the Worker's fetch handler, as sent (no header added): see `fetchWorker`. */
export async function send(method: string, pathAndQuery: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const request = new Request(`http://hookrouter.test${pathAndQuery}`, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : body });
  const { res, text } = await fetchWorker(request);
  return { status: res.status, text, headers: res.headers };
}

async function sendJson(method: string, path: string, token: string, body?: unknown, extra: Record<string, string> = {}): Promise<any> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...extra };
  if (body !== undefined) headers["content-type"] = "application/json";
  const a = await send(method, path, headers, body === undefined ? undefined : JSON.stringify(body));
  if (a.status >= 300) throw new Error(`seeding ${method} ${path}: ${a.status} ${a.text.slice(0, 300)}`);
  return JSON.parse(a.text);
}

export interface Party {
  accountId: string;
  key: string;
  keyId: string;
  /** A key of the same account that was revoked: it must open nothing. */
  revokedKey: string;
}

export async function newParty(name: string): Promise<Party> {
  const account = await sendJson("POST", "/v1/accounts", ADMIN_TOKEN, { name });
  const key = await sendJson("POST", `/v1/accounts/${account.id}/keys`, ADMIN_TOKEN, { name: "fuzz" });
  const revoked = await sendJson("POST", `/v1/accounts/${account.id}/keys`, ADMIN_TOKEN, { name: "revoked" });
  await sendJson("DELETE", `/v1/accounts/${account.id}/keys/${revoked.id}`, ADMIN_TOKEN);
  return { accountId: account.id, key: key.key, keyId: key.id, revokedKey: revoked.key };
}

/**
 * Gives an account one of everything the API holds (event types, webhook and gate hooks, a hook in
 * a secret rotation, a disabled one, events with deliveries, a gate run, a Slack connection), every
 * free-text field carrying `marker`, so any of it showing up elsewhere is recognisable.
 * Returns the secrets it handed out (they must never show up elsewhere either).
 */
/** The event types every seeded account catalogs (a name the attacker can aim at, too). */
export const SEEDED_EVENT_TYPES = ["order.created", "order.paid", "cluster.delete"];

export async function seedAccount(p: Party, marker: string): Promise<string[]> {
  const k = p.key;
  const secrets: string[] = [];
  for (const name of SEEDED_EVENT_TYPES) {
    await sendJson("PUT", `/v1/event-types/${name}`, k, { description: `${marker} ${name}`, application_level: name !== "order.paid" });
  }
  const hook = (name: string, extra: object) =>
    sendJson("POST", "/v1/hooks", k, {
      name: `${marker}-${name}`,
      description: `${marker} description`,
      url: `https://${marker}.invalid/${name}`,
      metadata: { owner: marker },
      headers: { "x-owner": marker },
      ...extra,
    });
  const orders = await hook("orders", { events: ["order.*"] });
  const scoped = await hook("scoped", { events: ["order.created"], applications: [`${marker}-app`] });
  const gate = await hook("gate", { events: ["cluster.delete"], phase: "pre", on_error: "approve" });
  const disabled = await hook("disabled", { events: [], enabled: false });
  secrets.push(orders.secret, scoped.secret, gate.secret, disabled.secret);
  const rotated = await sendJson("POST", `/v1/hooks/${orders.id}/secret/rotate`, k, { grace_seconds: 3600 });
  if (typeof rotated.secret === "string") secrets.push(rotated.secret);

  const idempotency = { "idempotency-key": `${marker}-idem` };
  await sendJson("POST", "/v1/events", k, { type: "order.created", payload: { marker, n: 1 }, applications: [`${marker}-app`], work_id: `work-${marker}` }, idempotency);
  await sendJson("POST", "/v1/events", k, { type: "order.paid", payload: { marker, n: 2 } });
  await sendJson("POST", "/v1/gates/cluster.delete", k, { payload: { marker }, auth_id: `${marker}-auth` });

  const box = await SecretBox.create(bindings.ENCRYPTION_KEY);
  const now = new Date().toISOString();
  const slackToken = `xoxb-${marker}-token`;
  secrets.push(slackToken);
  await bindings.DB.prepare(
    "insert or replace into slack_connections (account_id, team_id, team_name, bot_user_id, token_sealed, status, created_at, updated_at) values (?, ?, ?, null, ?, 'connected', ?, ?)",
  )
    .bind(p.accountId, `T${marker}`, `${marker} team`, await box.seal(slackToken, SealedIn.slackToken(p.accountId)), now, now)
    .run();
  return secrets;
}

export type Snapshot = Record<string, string[]>;

const SKIPPED_TABLES = /^(sqlite_|_cf_|d1_migrations$)/;

/**
 * Every row that belongs to the account: in D1, rows of any table with an `account_id` equal to it,
 * and rows of other tables that name one of its ids; and every row of every table of its delivery
 * log's shards (`log.<shard>.<table>`: events with their deliveries, attempts, gate runs, idempotency
 * claims), each event's deliveries also listed one by one with their ids (`log.<shard>.deliveries`:
 * a delivery is an element of its event's row, and its id is written nowhere). A table someone adds
 * tomorrow is covered too.
 */
export async function accountRows(accountId: string): Promise<Snapshot> {
  const db = bindings.DB;
  const tables = (await db.prepare("select name from sqlite_master where type = 'table' order by name").all<{ name: string }>()).results
    .map((t) => t.name)
    .filter((n) => !SKIPPED_TABLES.test(n));
  const owned: Snapshot = {};
  const others: Record<string, Array<Record<string, unknown>>> = {};
  for (const t of tables) {
    const columns = (await db.prepare(`pragma table_info("${t}")`).all<{ name: string }>()).results.map((c) => c.name);
    if (columns.includes("account_id")) {
      const rows = (await db.prepare(`select * from "${t}" where account_id = ?`).bind(accountId).all()).results;
      owned[t] = rows.map((r) => JSON.stringify(r)).sort();
    } else {
      others[t] = (await db.prepare(`select * from "${t}"`).all<Record<string, unknown>>()).results;
    }
  }
  const ids = new Set(idsIn(owned));
  for (const [t, rows] of Object.entries(others)) {
    owned[t] = rows.filter((r) => Object.values(r).some((v) => typeof v === "string" && ids.has(v))).map((r) => JSON.stringify(r)).sort();
  }
  Object.assign(owned, await logRows(accountId));
  return owned;
}

/** The account's delivery log, every shard its D1 row names (none for an account that is gone). */
async function logRows(accountId: string): Promise<Snapshot> {
  const account = await bindings.DB.prepare("select log_shards from accounts where id = ?").bind(accountId).first<{ log_shards: number }>();
  const out: Snapshot = {};
  for (let shard = 0; shard < (account?.log_shards ?? 0); shard++) {
    const stub = logOf(bindings.DELIVERY_LOG, accountId, shard);
    const tables = await runInDurableObject(stub, (_log, state) => {
      const sql = state.storage.sql;
      const names = sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .toArray()
        .map((t) => t.name)
        .filter((n) => !SKIPPED_TABLES.test(n));
      return names.map((name) => ({ name, rows: sql.exec(`SELECT * FROM "${name}"`).toArray() as Array<Record<string, SqlStorageValue>> }));
    });
    const deliveries: string[] = [];
    for (const { name, rows } of tables) {
      out[`log.${shard}.${name}`] = rows.map((r) => JSON.stringify(r)).sort();
      if (!name.startsWith("ev_")) continue;
      // As the log itself reads them (first-try successes it still holds in memory folded in).
      for (const r of rows) for (const d of (await stub.event(r.id as string))?.deliveries ?? []) deliveries.push(JSON.stringify(d));
    }
    if (tables.length > 0) out[`log.${shard}.deliveries`] = deliveries.sort();
  }
  return out;
}

const ID = /\b[a-z]+_[0-9A-HJKMNP-TV-Z]{26}\b/g;

/** The prefixed ids (hook_…, evt_…, dlv_…) that appear anywhere in these rows. */
export function idsIn(snapshot: Snapshot): string[] {
  const ids = new Set<string>();
  for (const rows of Object.values(snapshot)) for (const r of rows) for (const m of r.matchAll(ID)) ids.add(m[0]);
  return [...ids].sort();
}

/** Waits until the account's rows stop changing (deliveries done, tests recorded), then returns them. */
export async function settledRows(accountId: string, timeoutMs = 30_000): Promise<Snapshot> {
  const deadline = Date.now() + timeoutMs;
  let last = JSON.stringify(await accountRows(accountId));
  for (;;) {
    await new Promise((r) => setTimeout(r, 1500));
    const now = await accountRows(accountId);
    const text = JSON.stringify(now);
    const pending = text.includes('\\"status\\":\\"pending\\"');
    if ((text === last && !pending) || Date.now() > deadline) return now;
    last = text;
  }
}
