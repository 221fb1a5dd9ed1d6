import { logOf, type DeliveryLog, type LogMeta } from "../durable/delivery-log";
import { byLogObject, newLogId, parseLogId } from "../domain/log-ids";
import type { Env } from "../env";
import type { DeliveryFilters, EventFilters } from "../log/reads";
import type { DeliveryRow, EventSummaryRow, GateRunRow } from "../log/records";

// An account's delivery log across its shards (src/durable/delivery-log.ts). A record's id names its
// shard (src/domain/log-ids.ts), so a look-up by id is one call to one object; an account-wide
// listing asks every shard for a page and merges them (one call per shard, all at once).

/** The log settings on the account's row (D1). */
export interface LogSettings {
  logShards: number;
  retentionDays: number;
}

export class AccountLog {
  constructor(
    private readonly ns: Env["DELIVERY_LOG"],
    readonly accountId: string,
    readonly settings: LogSettings,
  ) {}

  meta(shard: number): LogMeta {
    return { accountId: this.accountId, shard, retentionDays: this.settings.retentionDays };
  }

  /** The shard of a new record: the key's, for an idempotent publish (so its repeats meet it), else any. */
  shardFor(idempotencyKey?: string): number {
    const n = this.settings.logShards;
    if (n <= 1) return 0;
    if (idempotencyKey === undefined) return Math.floor(Math.random() * n);
    let h = 2166136261;
    for (let i = 0; i < idempotencyKey.length; i++) h = Math.imul(h ^ idempotencyKey.charCodeAt(i), 16777619);
    return (h >>> 0) % n;
  }

  newId(prefix: "evt" | "gate", shard: number): string {
    return newLogId(prefix, shard);
  }

  shard(shard: number): DurableObjectStub<DeliveryLog> {
    return logOf(this.ns, this.accountId, shard);
  }

  /** The object holding a record, or null for an id no shard of this account can hold. */
  holderOf(id: string): DurableObjectStub<DeliveryLog> | null {
    const p = parseLogId(id);
    return p && p.shard < this.settings.logShards ? this.shard(p.shard) : null;
  }

  private all(): Array<DurableObjectStub<DeliveryLog>> {
    return Array.from({ length: this.settings.logShards }, (_, i) => this.shard(i));
  }

  async findEvent(id: string) {
    return (await this.holderOf(id)?.event(id)) ?? null;
  }

  async findDelivery(id: string) {
    return (await this.holderOf(id)?.delivery(id)) ?? null;
  }

  async listAttempts(id: string) {
    return (await this.holderOf(id)?.attempts(id)) ?? [];
  }

  async listEvents(f: EventFilters, limit: number, cursor?: string): Promise<EventSummaryRow[]> {
    const pages = await Promise.all(this.all().map((s) => s.events(f, limit, cursor)));
    return pages.flat().sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, limit);
  }

  async listDeliveries(f: DeliveryFilters, limit: number, cursor?: string): Promise<Array<{ delivery: DeliveryRow; eventType: string }>> {
    const shards = f.eventId ? [this.holderOf(f.eventId)].filter((s) => s !== null) : this.all();
    const pages = await Promise.all(shards.map((s) => s.deliveries(f, limit, cursor)));
    // Newest event first, then position order within an event: each shard's own order.
    return pages
      .flat()
      .sort((a, b) => (a.delivery.eventId === b.delivery.eventId ? (a.delivery.id < b.delivery.id ? -1 : 1) : a.delivery.eventId < b.delivery.eventId ? 1 : -1))
      .slice(0, limit);
  }

  async countDeliveries(since: string, hookIds?: string[]) {
    return (await Promise.all(this.all().map((s) => s.counts(since, hookIds)))).flat();
  }

  /** Oldest first, across shards. */
  async findRecoverable(hookId: string, since: string, limit: number) {
    const pages = await Promise.all(this.all().map((s) => s.recoverable(hookId, since, limit)));
    return pages
      .flat()
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit);
  }

  async gateRunsByWork(workId: string, limit: number) {
    // Decisions and context are JSON the log stores as given (RPC types cannot see through `unknown`).
    const pages = (await Promise.all(this.all().map((s) => s.gateRuns(workId, limit)))) as unknown as GateRunRow[][];
    return pages
      .flat()
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit);
  }

  async eventsByWork(workId: string, limit: number) {
    const pages = await Promise.all(this.all().map((s) => s.eventsByWork(workId, limit)));
    return pages
      .flat()
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit);
  }

  /** Calls `fn` once per shard with that shard's ids (ids of no shard of this account are dropped). */
  async perShard<T>(ids: string[], fn: (log: DurableObjectStub<DeliveryLog>, ids: string[]) => Promise<T>): Promise<T[]> {
    const groups = byLogObject(ids.map((id) => ({ accountId: this.accountId, id }))).filter((g) => g.shard < this.settings.logShards);
    return Promise.all(groups.map((g) => fn(this.shard(g.shard), g.items.map((i) => i.id))));
  }
}
