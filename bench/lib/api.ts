// A small client for the bench: the router's public API plus the admin-only metrics route.

export class Api {
  constructor(
    readonly base: string,
    readonly adminToken: string,
  ) {}

  async call<T = any>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as T };
  }

  private async ok<T = any>(expected: number, method: string, path: string, token: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, token, body);
    if (r.status !== expected) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** A fresh account and one API key. */
  async newAccount(name: string): Promise<{ accountId: string; key: string }> {
    const acc = await this.ok(201, "POST", "/v1/accounts", this.adminToken, { name });
    const key = await this.ok(201, "POST", `/v1/accounts/${acc.id}/keys`, this.adminToken, { name: "bench" });
    return { accountId: acc.id, key: key.key };
  }

  async createHook(key: string, fields: Record<string, unknown>): Promise<{ id: string }> {
    return this.ok(201, "POST", "/v1/hooks", key, { name: `bench-${crypto.randomUUID()}`, ...fields });
  }

  async publish(key: string, type: string, payload: unknown): Promise<{ id: string; deliveries: number }> {
    return this.ok(202, "POST", "/v1/events", key, { type, payload });
  }

  /** Every delivery of the account, counted by status. */
  async deliveryStatuses(key: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    let cursor: string | null = null;
    do {
      const page: { data: Array<{ status: string }>; next_cursor: string | null } = await this.ok(
        200,
        "GET",
        `/v1/deliveries?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
        key,
      );
      for (const d of page.data) counts[d.status] = (counts[d.status] ?? 0) + 1;
      cursor = page.next_cursor;
    } while (cursor);
    return counts;
  }

  /** Rows written and bytes stored by each of the account's delivery log objects (METRICS only). */
  async logUsage(accountId: string): Promise<{ rowsWritten: number; databaseBytes: number }> {
    const r = await this.ok<{ shards: Array<{ rows_written: number; database_bytes: number }> }>(200, "GET", `/v1/admin/metrics/log/${accountId}`, this.adminToken);
    return { rowsWritten: r.shards.reduce((a, s) => a + s.rows_written, 0), databaseBytes: r.shards.reduce((a, s) => a + s.database_bytes, 0) };
  }

  /** Seeds a past day into the account's log and runs its purge once (METRICS only). */
  async purgeProbe(accountId: string, body: { events: number; days_ago: number; payload_bytes: number }): Promise<PurgeProbe> {
    return this.ok(200, "POST", `/v1/admin/metrics/log/${accountId}/purge`, this.adminToken, body);
  }

  async metrics(): Promise<Record<string, number>> {
    return (await this.ok(200, "GET", "/v1/admin/metrics", this.adminToken)).counters;
  }

  async resetMetrics(): Promise<void> {
    await this.ok(200, "DELETE", "/v1/admin/metrics", this.adminToken);
  }
}

export interface PurgeProbe {
  seeded_events: number;
  seed_rows_written: number;
  purge_rows_written: number;
  database_bytes_before: number;
  database_bytes_after: number;
  seeded_event_kept: boolean;
}
