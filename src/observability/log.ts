import { AsyncLocalStorage } from "node:async_hooks";

// The one way the Worker writes a log line: one JSON object per line. While a request is handled
// (the `logContext` middleware, src/http/security.ts) every line carries its `request_id`, whatever
// function writes it, so services need no request parameter to be traceable. The async context comes
// from `nodejs_compat` (wrangler.toml), which src/observability/instrument.ts already relies on.
// Never pass credentials, headers, query strings or bodies: a unit test scans src/ for that.

type Level = "error" | "warn" | "info";

const requestScope = new AsyncLocalStorage<string>();

/** Runs `handler` (a request's middleware chain) so that the lines it logs carry `requestId`. */
export function withRequestId<T>(requestId: string, handler: () => T): T {
  return requestScope.run(requestId, handler);
}

/** One log line. `fields` may set `request_id` itself (the error handler reads it off the context). */
export function log(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, request_id: requestScope.getStore(), message, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** An error as a log field: its stack when it has one. */
export function errorDetail(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
