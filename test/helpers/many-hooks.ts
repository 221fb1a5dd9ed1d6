import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { getTableColumns } from "drizzle-orm";
import { getDb } from "../../src/db/client";
import { hooks as hooksTable, type NewHookRow } from "../../src/db/schema";
import { newId } from "../../src/domain/ids";
import { presentHook } from "../../src/presenters/hooks";
import { call, newAccount } from "./api";

// A large account for the list tests: 250 hooks with a spread of every filtered property.
// They are written straight to D1 (one atomic batch) rather than through POST /v1/hooks: creating is
// covered elsewhere, and here it would only add 250 requests and schedule 250 automatic endpoint
// tests that would change the states this fixture sets on purpose.

export type Listed = ReturnType<typeof presentHook>;

const EVENTS = [[], ["job_run.*"], ["job_run.failed"], ["model_version.created", "job_run.succeeded"]];
const STATES = ["new", "valid", "valid", "invalid", "new", "new", "new", "new", "new", "deactivated"] as const;

async function seedManyHooks(accountId: string, count: number): Promise<Listed[]> {
  const base = Date.parse("2026-06-01T00:00:00.000Z");
  const rows: NewHookRow[] = Array.from({ length: count }, (_, i) => {
    // Several hooks per second, with milliseconds: filters given in whole seconds must still split them right.
    const created = new Date(base + Math.floor(i / 4) * 1000 + (i % 4) * 250).toISOString();
    const slack = i % 5 === 0;
    return {
      id: newId("hook"),
      accountId,
      name: `hook-${String(i).padStart(3, "0")}`,
      description: "",
      kind: slack ? "slack" : "webhook",
      url: slack ? null : `https://example.com/h/${i}`,
      slackChannelId: slack ? `C${i}` : null,
      events: EVENTS[i % 4]!,
      applications: i % 6 === 0 ? null : i % 2 === 0 ? [`app${i % 3}`] : [`app${i % 3}`, "shared"],
      fallback: false,
      phase: i % 7 === 0 ? "pre" : "post",
      enabled: i % 3 !== 0,
      headers: {},
      metadata: {},
      secretSealed: "not-a-real-sealed-secret",
      state: STATES[i % 10]!,
      disabledReason: null,
      createdBy: null,
      updatedBy: null,
      createdAt: created,
      updatedAt: created,
    };
  });
  const db = getDb((env as any).DB);
  const [first, ...rest] = rows.map((r) => db.insert(hooksTable).values(r));
  await db.batch([first!, ...rest]);
  return rows.map((r) =>
    presentHook({
      ...r,
      onError: "reject",
      timeoutMs: null,
      rateLimitPerSecond: null,
      payloadFormat: "envelope",
      filter: null,
      transform: null,
      signingScheme: "v1",
      publicKey: null,
      retrySchedule: null,
      deliveryTimeoutMs: null,
      finalStatuses: null,
      ordering: "none",
      orderingOnDead: "skip",
      signed: true,
      createdByUserId: null,
      updatedByUserId: null,
    } as any),
  );
}

/** A new account holding `count` such hooks, and its API key. */
export async function accountWithManyHooks(name: string, count = 250): Promise<{ key: string; hooks: Listed[] }> {
  const account = await newAccount(name);
  return { key: account.key, hooks: await seedManyHooks(account.accountId, count) };
}

/**
 * `count` copies of a hook's row (ids and names of their own, everything else the same: a valid
 * sealed secret, the same url and events), written in one statement: for accounts of thousands of
 * hooks, which would take thousands of requests (and automatic tests) through the API.
 */
export async function cloneHook(hookId: string, count: number): Promise<void> {
  const columns = Object.values(getTableColumns(hooksTable)).map((c) => c.name);
  const copied = columns.map((c) => (c === "id" ? "'hook_' || ?3 || printf('%010d', i)" : c === "name" ? "name || '-copy-' || i" : c));
  await (env as any).DB.prepare(
    `with recursive n(i) as (select 0 union all select i + 1 from n where i + 1 < ?1)
     insert into hooks (${columns.join(", ")}) select ${copied.join(", ")} from hooks, n where hooks.id = ?2`,
  )
    .bind(count, hookId, hookId.slice(5, 21))
    .run();
}

/** Every page of GET /v1/hooks?{query}, following next_cursor; checks the page contract on the way. */
export async function walk(key: string, query: string, limit: number): Promise<Listed[]> {
  const seen: Listed[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const q = new URLSearchParams(query);
    q.set("limit", String(limit));
    if (cursor) q.set("cursor", cursor);
    const res = await call("GET", `/v1/hooks?${q}`, { token: key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(limit);
    seen.push(...res.body.data);
    cursor = res.body.next_cursor;
    if (cursor === null) return seen;
    expect(res.body.data).toHaveLength(limit); // only the last page may be short
  }
  throw new Error("pagination did not end");
}

/** The walk returned exactly these hooks, newest (highest id) first, none twice. */
export function expectExactly(got: Listed[], want: Listed[]): void {
  const ids = got.map((h) => h.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(want.map((h) => h.id).sort().reverse());
}

export const notRetired = (h: Listed) => h.state !== "deactivated";
/** Written out here, not taken from the code under test: empty = all; the fixture's patterns end in `*`. */
export const subscribed = (h: Listed, type: string) =>
  h.events.length === 0 || h.events.some((p) => p === type || (p.endsWith("*") && type.startsWith(p.slice(0, -1))));
