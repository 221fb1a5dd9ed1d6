import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN } from "../helpers/api";
import { encode, operationsOf, requestArbitrary, type FuzzRequest, type Operation } from "../helpers/fuzz/operations";
import { checkAnswer, type Sent, type Victim } from "../helpers/fuzz/oracle";
import { SchemaArbitraries } from "../helpers/fuzz/schema-arbitrary";
import { SEEDED_EVENT_TYPES, accountRows, idsIn, newParty, seedAccount, send, settledRows, type Answer, type Party, type Snapshot } from "../helpers/fuzz/world";

// Property-based fuzzing of the whole API (runs in the `fuzz` project: the api project's bindings,
// but every outbound request is answered in-process). Every operation of /openapi.json gets
// RUNS generated requests, half aimed at being valid and half not, sent with an attacker's key.
// Each answer must be below 500, in the error shape when it is an error, with the security headers;
// no credential but the right one may pass; and nothing of the victim account may be read. At the
// end the victim's rows must be exactly as they were.

const RUNS = 70;
const doc = JSON.parse((await send("GET", "/openapi.json")).text);
const operations = operationsOf(doc);

const placeholder = (pool: "victim" | "own", index: number) => `~~${pool}.${index}~~`;
const FRESH_STATE = "~~state~~";
const PLACEHOLDER = /~~(victim|own)\.(\d+)~~/g;

const schemas = new SchemaArbitraries(doc.components?.schemas ?? {}, {
  // Only hosts under .invalid (never resolvable) or addresses the URL guard refuses: and in this
  // project nothing leaves the machine anyway.
  url: fc.oneof(
    fc.stringMatching(/^[a-z0-9-]{1,20}$/).map((h) => `https://${h}.invalid/hook`),
    fc.constantFrom("http://127.0.0.1/x", "ftp://a.invalid/", "https://a.invalid:8443/p?q=1#f"),
  ),
  id: fc.record({ pool: fc.constantFrom<"victim" | "own">("victim", "own"), index: fc.nat() }).map(({ pool, index }) => placeholder(pool, index)),
  names: SEEDED_EVENT_TYPES,
  fields: {
    secret: fc.uint8Array({ minLength: 24, maxLength: 64 }).map((b) => "whsec_" + btoa(String.fromCharCode(...b))),
    // A real OAuth state, minted for the attacker when the request is sent (see `execute`).
    state: fc.constant(FRESH_STATE),
    // `true` is refused by design (Workers always verify TLS): valid requests say false or nothing.
    disable_ssl_verification: fc.constant(false),
    // Content filters and transformations are validated by their own engines (a JSON Schema cannot say
    // what a filter is): valid ones, built from their grammar.
    filter: fc.oneof(
      fc.record({ path: fc.constantFrom("data.severity", "type", "data.a[0]", "applications"), eq: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null)) }),
      fc.record({ path: fc.constantFrom("data.env", "work_id"), in: fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 4 }) }),
      fc.constant({ and: [{ path: "data.severity", lte: 2 }, { not: { path: "data.dry_run", exists: true } }] }),
    ),
    transform: fc.oneof(
      fc.constant({ body: "{{ data }}" }),
      fc.constant({ body: { entity: '{{ type | before_last: "." }}', action: '{{ type | after_last: "." }}', data: "{{ data }}" } }),
      fc.record({ body: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.constantFrom("{{ id }}", "text {{ data.x | upper }}", "{{ data.missing | default: 1 }}", "plain")) }),
    ),
  },
});

let victim: Party;
let attacker: Party;
let playground: Party;
let victimView: Victim;
let victimIds: string[];
let attackerPortalToken: string;
/** Names the victim uses where a path takes a name (event types, gate types). */
const victimNames = SEEDED_EVENT_TYPES;
let before: Snapshot;
/** Ids the attacker created (or was given): fuzzing on its own resources reaches deeper code. */
const attackerIds: string[] = [];
/** Ids under the admin API's control: the playground account's, and whatever the admin fuzz made. */
const adminIds: string[] = [];
const statusesByOperation = new Map<string, Map<number, number>>();
const sendMs = new Map<string, number>();
const handled = new Set<string>();
/** Why requests generated as valid were refused: shows where the generators miss a rule. */
const validRefusals = new Map<string, Map<string, number>>();

function learnIds(into: string[], text: string): void {
  for (const m of text.matchAll(/\b[a-z]+_[0-9A-HJKMNP-TV-Z]{26}\b/g)) {
    // Never the attacker's own key: DELETE /v1/keys/{id} would revoke it, and with it every later request.
    if (m[0] === attacker.keyId) continue;
    if (!victimView.ids.has(m[0]) && !into.includes(m[0]) && into.length < 300) into.push(m[0]);
  }
}

function pick(pool: string[], index: number): string {
  return pool.length ? pool[index % pool.length]! : "nothing_01JD3Z5Q3W9X4Y2V8N6M1K0P7R";
}

function credentialFor(op: Operation, req: FuzzRequest): string | undefined {
  const right = op.auth === "admin" ? ADMIN_TOKEN : op.auth === "bearer" ? attacker.key : undefined;
  switch (req.credential) {
    case "expected":
      return right;
    case "portal":
      return attackerPortalToken;
    case "none":
      return undefined;
    case "garbage":
      return "hrk_" + "A".repeat(40);
    case "forged-prefix":
      return attacker.key.slice(0, 12) + "x".repeat(attacker.key.length - 12);
    case "revoked":
      return attacker.revokedKey;
    case "wrong-scheme":
      return op.auth === "admin" ? attacker.key : ADMIN_TOKEN;
  }
}

async function execute(op: Operation, req: FuzzRequest): Promise<{ sent: Sent; answer: Answer }> {
  // Admin routes never get the victim's ids: the admin may legitimately act on any account.
  // Path ids and query filters may name the victim's ids; a body never does, so nothing the attacker
  // stores can hold one (which keeps "an answer shows a victim id it was not asked about" exact).
  const admin = op.auth === "admin";
  const inUrl = admin ? { victim: adminIds, own: adminIds } : { victim: victimIds, own: attackerIds };
  const inBody = admin ? inUrl : { victim: attackerIds, own: attackerIds };
  const resolver = (pools: typeof inUrl) => (text: string) => text.replace(PLACEHOLDER, (_, pool: "victim" | "own", i: string) => pick(pools[pool], Number(i)));
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = req.path[name]!;
    if (!("pool" in v)) return v.raw ? v.literal : encode(v.literal);
    const victimPool = /(^|_)id$/.test(name) ? inUrl.victim : admin ? adminIds : victimNames;
    return encode(pick(v.pool === "victim" ? victimPool : inUrl.own, v.index));
  });
  let url = resolver(inUrl)(path + (req.query ? `?${req.query}` : ""));
  const headers: Record<string, string> = { ...req.headers };
  if (url.includes(FRESH_STATE)) {
    // Sent as the browser that asked for it (its cookie), so the callback's code runs past the state.
    const minted = await mintOAuthState();
    url = url.replaceAll(FRESH_STATE, encode(minted.state));
    headers.cookie = minted.cookie;
  }
  const token = credentialFor(op, req);
  if (token) headers.authorization = `Bearer ${token}`;
  if (req.body?.type) headers["content-type"] = req.body.type;
  const body = req.body ? resolver(inBody)(req.body.raw) : undefined;
  if (req.mode === "valid" && body) agreeHeadersWithBody(op, headers, body);
  const started = Date.now();
  const answer = await send(op.method, url, headers, body);
  sendMs.set(op.key, (sendMs.get(op.key) ?? 0) + Date.now() - started);
  const asAttacker = op.auth === "bearer" && (req.credential === "expected" || req.credential === "portal");
  return { sent: { url, body, asAttacker }, answer };
}

/**
 * A Slack OAuth state the router issued to the attacker, and the cookie that binds it to the asker
 * (single use, so one per request). replace=true: the attacker's account has a connection already.
 */
async function mintOAuthState(): Promise<{ state: string; cookie: string }> {
  const a = await send("GET", "/v1/slack/connect-url?replace=true", { authorization: `Bearer ${attacker.key}` });
  const state = new URL(JSON.parse(a.text).url).searchParams.get("state") ?? "";
  return { state, cookie: a.headers.get("set-cookie")?.split(";")[0] ?? "" };
}

/** A header that duplicates a body field (Idempotency-Key and idempotency_key) must agree with it. */
function agreeHeadersWithBody(op: Operation, headers: Record<string, string>, body: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return;
  }
  if (!parsed || typeof parsed !== "object") return;
  for (const h of op.headers) {
    const twin = (parsed as Record<string, unknown>)[h.name.toLowerCase().replaceAll("-", "_")];
    if (typeof twin === "string" && h.name in headers) headers[h.name] = twin;
  }
}

/** The answer came from the route's own logic, not from authentication or request validation. */
function reachedHandler(a: Answer): boolean {
  if (a.status < 300 || a.status === 404 || a.status === 409 || a.status === 422) return true;
  if (a.status !== 400) return false;
  const code = JSON.parse(a.text)?.error?.code;
  return code !== "validation_failed" && code !== "invalid_json";
}

function record(op: Operation, status: number): void {
  let m = statusesByOperation.get(op.key);
  if (!m) statusesByOperation.set(op.key, (m = new Map()));
  m.set(status, (m.get(status) ?? 0) + 1);
}

function recordRefusal(op: Operation, text: string): void {
  let m = validRefusals.get(op.key);
  if (!m) validRefusals.set(op.key, (m = new Map()));
  const message = String(JSON.parse(text)?.error?.message ?? "").replace(/"[^"]*"/g, '"…"').slice(0, 120);
  m.set(message, (m.get(message) ?? 0) + 1);
}

beforeAll(async () => {
  const marker = `vctm${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  victim = await newParty(`${marker}-account`);
  const secrets = await seedAccount(victim, marker);
  attacker = await newParty("attacker");
  await seedAccount(attacker, "attacker");
  playground = await newParty("admin-playground");
  before = await settledRows(victim.accountId);
  victimIds = idsIn(before);
  victimView = { marker, secrets: [...secrets, victim.key], ids: new Set(victimIds) };
  for (const text of Object.values(await accountRows(attacker.accountId)).flat()) learnIds(attackerIds, text);
  adminIds.push(playground.accountId, playground.keyId);
  const portal = await send("POST", "/v1/portal-sessions", { authorization: `Bearer ${attacker.key}`, "content-type": "application/json" }, "{}");
  expect(portal.status).toBe(201);
  attackerPortalToken = JSON.parse(portal.text).token;
  expect(attackerPortalToken).toMatch(/^hrp_/);
}, 120_000);

// The fuzz may delete the attacker's event types (it aims at the victim's names, which the attacker
// shares); without a catalog entry most events and gates would only ever be refused.
beforeEach(async () => {
  for (const name of SEEDED_EVENT_TYPES) {
    await send("PUT", `/v1/event-types/${name}`, { authorization: `Bearer ${attacker.key}`, "content-type": "application/json" }, "{}");
  }
});

describe("API fuzz", () => {
  it("enumerates every route of /openapi.json", () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(operations.map((o) => o.key)).toEqual(expect.arrayContaining(["POST /v1/hooks", "POST /v1/accounts"]));
    // The victim has something of every kind for the attacker to aim at.
    expect([...victimView.ids].map((id) => id.split("_")[0])).toEqual(expect.arrayContaining(["hook", "evt", "dlv", "acc", "key"]));
  });

  for (const op of operations) {
    it(`${op.key}: no 5xx, the error shape, only the right credential, nothing of another account`, async () => {
      await fc.assert(
        fc.asyncProperty(requestArbitrary(op, schemas), async (req) => {
          const { sent, answer } = await execute(op, req);
          record(op, answer.status);
          if (req.credential === "expected" && reachedHandler(answer)) handled.add(op.key);
          if (req.mode === "valid" && req.credential === "expected" && (answer.status === 400 || answer.status === 422)) recordRefusal(op, answer.text);
          checkAnswer(op, req, sent, answer, victimView);
          if (answer.status < 300 && req.credential === "expected") learnIds(op.auth === "admin" ? adminIds : attackerIds, answer.text);
        }),
        { numRuns: RUNS, includeErrorInReport: true },
      );
    });
  }

  it("left every row of the victim account exactly as it was", async () => {
    const after = await settledRows(victim.accountId);
    for (const table of Object.keys(before)) expect(after[table], `table ${table}`).toEqual(before[table]);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
  });

  it("stored no hook secret, Slack token or API key in plain text: a copy of D1 reveals none", async () => {
    // Besides whatever the fuzz left: hooks made through the API (one in a secret rotation) and a
    // Slack connection made through the real OAuth callback, by the product's own code paths.
    const auth = { authorization: `Bearer ${attacker.key}`, "content-type": "application/json" };
    const handedOut: string[] = [];
    for (const name of ["at-rest-1", "at-rest-2", "at-rest-3"]) {
      const created = await send("POST", "/v1/hooks", auth, JSON.stringify({ name, url: `https://${name}.invalid/` }));
      expect(created.status).toBe(201);
      handedOut.push(JSON.parse(created.text).secret);
      if (name === "at-rest-1") {
        const rotated = await send("POST", `/v1/hooks/${JSON.parse(created.text).id}/secret/rotate`, auth, "{}");
        expect(rotated.status).toBe(200);
        handedOut.push(JSON.parse(rotated.text).secret);
      }
    }
    const minted = await mintOAuthState();
    const connected = await send("GET", `/v1/slack/oauth/callback?code=fuzz-code&state=${encode(minted.state)}`, { cookie: minted.cookie });
    expect(connected.status).toBe(200);
    const db = (env as unknown as { DB: D1Database }).DB;
    const slack = await db.prepare("select token_sealed from slack_connections where account_id = ?").bind(attacker.accountId).first<{ token_sealed: string }>();
    expect(slack?.token_sealed).toMatch(/^v2\.[0-9a-f]{8}\./);
    const counts = await db.prepare("select (select count(*) from hooks) as hooks, (select count(*) from hooks where previous_secret_sealed is not null) as rotated, (select count(*) from slack_connections) as slack").first<Record<string, number>>();
    expect(counts!.hooks).toBeGreaterThanOrEqual(7);
    expect(counts!.rotated).toBeGreaterThanOrEqual(2);
    expect(counts!.slack).toBeGreaterThanOrEqual(2);

    // Every row of every table, as a thief with the database file would read it.
    const plain = /whsec_|xox[abp]-|hrk_[A-Za-z0-9_-]{16,}/;
    const tables = (await db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%'").all<{ name: string }>()).results;
    let rows = 0;
    const found: string[] = [];
    for (const { name } of tables) {
      for (const row of (await db.prepare(`select * from "${name}"`).all()).results) {
        rows++;
        const text = JSON.stringify(row);
        const secretPart = [...handedOut, ...victimView.secrets].find((v) => text.includes(v.replace(/^(whsec_|xoxb-|hrk_)/, "")));
        if (plain.test(text) || secretPart) found.push(`${name}: ${text.slice(0, 200)}`);
      }
    }
    // The scan read every row that holds a credential (a floor of 100 rows dated from when D1 also
    // held events and deliveries; it now varied with how many generated calls created something).
    const holders = await db.prepare("select (select count(*) from hooks) + (select count(*) from api_keys) + (select count(*) from slack_connections) + (select count(*) from accounts) as n").first<{ n: number }>();
    expect(holders!.n).toBeGreaterThanOrEqual(7 + 2 + 2 + 2);
    expect(rows).toBeGreaterThanOrEqual(holders!.n);
    expect(found).toEqual([]);
  });

  it("got past validation on every route (the fuzz reached the handlers)", () => {
    const summary = [...statusesByOperation].map(([k, m]) => `${k}: ${[...m].map(([s, n]) => `${s}x${n}`).join(" ")} (${sendMs.get(k)} ms)`);
    console.log(`fuzz answers by route:\n  ${summary.join("\n  ")}`);
    const refusals = [...validRefusals].map(([k, m]) => `${k}: ${[...m].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([msg, n]) => `${n}x ${msg}`).join(" | ")}`);
    console.log(`generated-as-valid requests refused with 400 or 422:\n  ${refusals.join("\n  ")}`);
    expect(statusesByOperation.size).toBe(operations.length);
    const neverHandled = operations.filter((op) => !handled.has(op.key));
    expect(neverHandled.map((o) => o.key)).toEqual([]);
  });
});
