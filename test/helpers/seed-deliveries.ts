import { env } from "cloudflare:workers";
import { newId } from "../../src/domain/ids";

// Deliveries written straight to D1, with the statuses and creation times a test needs: the stats and
// the portal's authorisation are about reading them, and making them through real deliveries would
// take minutes of retries (and, at 100,000, far more requests than a test file can make).

export interface SeededDelivery {
  hookId: string;
  status: "pending" | "succeeded" | "failed" | "dead" | "skipped";
  createdAt: string;
}

/** One event of `type` and a delivery per row; answers the delivery ids in row order. */
export async function seedDeliveries(accountId: string, type: string, rows: SeededDelivery[]): Promise<string[]> {
  const eventId = newId("evt");
  const now = new Date().toISOString();
  const ids = rows.map(() => newId("dlv"));
  await env.DB.batch([
    env.DB.prepare("insert into events (id, account_id, type, payload, created_at) values (?, ?, ?, '{}', ?)").bind(eventId, accountId, type, now),
    ...rows.map((r, i) =>
      env.DB.prepare(
        "insert into deliveries (id, account_id, event_id, hook_id, status, attempts, created_at, updated_at) values (?, ?, ?, ?, ?, 0, ?, ?)",
      ).bind(ids[i]!, accountId, eventId, r.hookId, r.status, r.createdAt, r.createdAt),
    ),
  ]);
  return ids;
}

/**
 * `count` deliveries spread evenly over the `spanMs` before `endMs`, round-robin over the hooks, with
 * a status cycle of 8 (5 succeeded, 1 failed, 1 dead, 1 pending). One statement (a recursive CTE).
 */
export async function seedManyDeliveries(accountId: string, hookIds: string[], count: number, endMs: number, spanMs: number): Promise<void> {
  const eventId = newId("evt");
  await env.DB.prepare("insert into events (id, account_id, type, payload, created_at) values (?, ?, 'bulk.test', '{}', ?)")
    .bind(eventId, accountId, new Date(endMs).toISOString())
    .run();
  await env.DB.prepare(
    `with recursive n(i) as (select 0 union all select i + 1 from n where i + 1 < ?1)
     insert into deliveries (id, account_id, event_id, hook_id, status, attempts, created_at, updated_at)
     select 'dlv_' || ?7 || printf('%012d', i), ?2, ?3,
            json_extract(?4, '$[' || (i % json_array_length(?4)) || ']'),
            case i % 8 when 5 then 'failed' when 6 then 'dead' when 7 then 'pending' else 'succeeded' end,
            1, strftime('%Y-%m-%dT%H:%M:%fZ', (?5 - ?6 + (i * ?6) / ?1) / 1000.0, 'unixepoch'),
            strftime('%Y-%m-%dT%H:%M:%fZ', (?5 - ?6 + (i * ?6) / ?1) / 1000.0, 'unixepoch')
     from n`,
  )
    .bind(count, accountId, eventId, JSON.stringify(hookIds), endMs, spanMs, crypto.randomUUID().slice(0, 8))
    .run();
}
