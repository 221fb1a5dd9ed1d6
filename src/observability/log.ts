import { AsyncLocalStorage } from "node:async_hooks";

// The one way the Worker writes a log line: one JSON object per line. While a request is handled
// (the `logContext` middleware, src/http/security.ts) every line carries its `request_id`, whatever
// function writes it, so services need no request parameter to be traceable. The async context comes
// from `nodejs_compat` (wrangler.toml).
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

/** Longest message text a log line keeps of one error. */
const MAX_ERROR_MESSAGE = 300;

/**
 * An error as a log field: its name, its code and a redacted message, with its cause's (one level).
 * Never its stack or its own fields: drizzle's `DrizzleQueryError` puts a failed statement's bound
 * values (hook headers, metadata, payloads, answers) in its message, and V8 quotes the start of the
 * input in a JSON parse error. The SQL text is kept (it holds placeholders only), values never.
 */
export function errorDetail(err: unknown): string {
  if (!(err instanceof Error)) return `non-error thrown (${typeof err})`;
  const code = (err as { code?: unknown }).code;
  const head = typeof code === "string" || typeof code === "number" ? `${errorName(err)} [${code}]` : errorName(err);
  const cause = err.cause instanceof Error ? ` (cause: ${errorName(err.cause)}: ${redactMessage(err.cause.message)})` : "";
  return `${head}: ${failedQuery(err) ?? redactMessage(err.message)}${cause}`;
}

/** drizzle leaves `name` at "Error"; its class name says more (DrizzleQueryError). */
function errorName(err: Error): string {
  return err.name !== "Error" ? err.name : err.constructor?.name || "Error";
}

/** A drizzle query error's SQL and how many values it had, not the values. */
function failedQuery(err: Error): string | null {
  const { query, params } = err as { query?: unknown; params?: unknown };
  if (typeof query !== "string" || !Array.isArray(params)) return null;
  return `Failed query: ${query.slice(0, MAX_ERROR_MESSAGE)} (${params.length} bound values not logged)`;
}

/**
 * What may carry data is cut out: everything after a `params:` line (drizzle's values), quoted text
 * (JSON parse errors, D1's "for value '…'"), and anything shaped like a credential; then it is capped.
 */
export function redactMessage(message: string): string {
  return message
    .replace(/\n?params:[\s\S]*$/, " [bound values not logged]")
    .replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`/g, "[…]")
    .replace(/\b(?:whsec_|hrk_|hrp_|xox[a-z]-|Bearer\s+)\S*/gi, "[redacted]")
    .slice(0, MAX_ERROR_MESSAGE);
}
