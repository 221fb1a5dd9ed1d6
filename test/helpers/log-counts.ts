import { eventsTable } from "../../src/log/partitions";
import { inLog } from "./log";

// What an account's delivery log holds, counted from its rows (shard 0, every day partition): the
// delivery log's view of "how many events, deliveries and idempotency claims does the account have".

export interface LogCounts {
  events: number;
  deliveries: number;
  idempotency_keys: number;
}

export function logCounts(accountId: string): Promise<LogCounts> {
  return inLog(accountId, (db) => {
    let events = 0;
    let deliveries = 0;
    for (const day of db.parts.days()) {
      const row = db.sql.exec<{ n: number; d: number }>(`SELECT count(*) AS n, coalesce(sum(json_array_length(deliveries)), 0) AS d FROM ${eventsTable(day)}`).one();
      events += row.n;
      deliveries += row.d;
    }
    const idempotency_keys = db.sql.exec<{ n: number }>("SELECT count(*) AS n FROM idempotency").one().n;
    return { events, deliveries, idempotency_keys };
  });
}
