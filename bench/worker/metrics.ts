// Usage counters for the bench's cost table (bench/phases/cost.ts): what one event and one delivery
// cost in billed units — D1 round trips, statements, rows read and written; queue messages written,
// read, acknowledged and retried; Durable Object calls (both namespaces, and each apart: do.hook_calls,
// do.log_calls); outbound subrequests; Worker invocations; and `metrics_requests`, the bench's own
// requests to the metrics routes (./routes.ts), to take out of `api.invocations`.
// Counted by the metered bindings of ./instrument.ts, only when the METRICS var is "true" (never in
// production: without it nothing is wrapped and nothing is counted).
//
// Each count belongs to the handler that caused it: `api` (the fetch handler: ingest and every other
// route) or `consumer` (the queue consumer: deliveries), so the cost of an event and the cost of a
// delivery can be told apart while both run at once.
//
// The counters live in isolate memory: they add up what THIS isolate did. Under `wrangler dev` the
// fetch handler, the queue consumer and the Durable Objects all run in one isolate, so one read of
// GET /v1/admin/metrics covers everything; on Cloudflare each isolate would report its own share.

const SCOPES = ["api", "consumer"] as const;
const COUNTER_NAMES = [
  "invocations",
  "d1.round_trips",
  "d1.statements",
  "d1.write_statements",
  "d1.rows_read",
  "d1.rows_written",
  "queue.send_calls",
  "queue.messages_written",
  "queue.messages_read",
  "queue.messages_acked",
  "queue.messages_retried",
  "do.calls",
  "do.hook_calls",
  "do.log_calls",
  "subrequests",
  "metrics_requests",
] as const;

export type Scope = (typeof SCOPES)[number];
export type CounterName = (typeof COUNTER_NAMES)[number];

const counters = new Map<string, number>();

export function count(scope: Scope, name: CounterName, n = 1): void {
  const key = `${scope}.${name}`;
  counters.set(key, (counters.get(key) ?? 0) + n);
}

/** Every counter as `scope.name`, zeros included, in a stable order. */
export function snapshot(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const scope of SCOPES) for (const name of COUNTER_NAMES) out[`${scope}.${name}`] = counters.get(`${scope}.${name}`) ?? 0;
  return out;
}

export function reset(): void {
  counters.clear();
}
