import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConfigError } from "./env";
import { errorDetail, log } from "./observability/log";

export type ErrorCode =
  | "validation_failed"
  | "invalid_json"
  | "unauthorized"
  | "forbidden"
  | "insufficient_scope"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unprocessable"
  | "rate_limited"
  | "upgrade_required"
  | "not_configured"
  | "upstream_error"
  | "internal_error";

export interface ErrorDetail {
  path: string;
  message: string;
}

/** The one error type of the API: every failure a client sees is one of these, as JSON. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** Missing or wrong credentials (401), with the challenge that says which kind to send. */
  static unauthorized(message: string): ApiError {
    return new ApiError(401, "unauthorized", message, [], { "WWW-Authenticate": 'Bearer realm="hookrouter"' });
  }
  /** A valid API key without the scope the route needs (403), named as RFC 6750 names it. */
  static insufficientScope(scope: string): ApiError {
    return new ApiError(403, "insufficient_scope", `this API key lacks the scope ${scope}, which this route requires`, [{ path: "scope", message: scope }], {
      "WWW-Authenticate": `Bearer realm="hookrouter", error="insufficient_scope", scope="${scope}"`,
    });
  }
  /** A valid credential that may not do this (403). */
  static forbidden(message: string, path?: string): ApiError {
    return new ApiError(403, "forbidden", message, path ? [{ path, message }] : []);
  }
  static notFound(what: string): ApiError {
    return new ApiError(404, "not_found", `${what} not found`);
  }
  static unprocessable(message: string, path?: string): ApiError {
    return new ApiError(422, "unprocessable", message, path ? [{ path, message }] : []);
  }
  static conflict(message: string): ApiError {
    return new ApiError(409, "conflict", message);
  }
  static validation(message: string, details: ErrorDetail[] = []): ApiError {
    return new ApiError(400, "validation_failed", message, details);
  }
}

const httpExceptionCodes: Partial<Record<number, ErrorCode>> = {
  400: "invalid_json",
  401: "unauthorized",
  404: "not_found",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
};

/** The request id set by the request-id middleware (src/http/security.ts), if it ran. */
function requestIdOf(c: Context): string | undefined {
  return c.get("requestId") as string | undefined;
}

/**
 * The error handler's log line, carrying the request id. Only the method and path are logged: never
 * headers (API keys, the admin token), query strings (OAuth codes) or bodies (hook secrets).
 */
export function logError(c: Context, message: string, err?: unknown): void {
  log("error", message, { request_id: requestIdOf(c), method: c.req.method, path: c.req.path, error: err === undefined ? undefined : errorDetail(err) });
}

function errorBody(c: Context, code: ErrorCode, message: string, details: ErrorDetail[]) {
  return { error: { code, message, details, request_id: requestIdOf(c) } };
}

/** The one error handler: maps anything thrown to the JSON error shape; only real bugs become 500. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json(errorBody(c, err.code, err.message, err.details), err.status, err.headers);
  }
  if (err instanceof HTTPException && err.status < 500) {
    const code = httpExceptionCodes[err.status] ?? "validation_failed";
    const message = err.status === 415 ? "Content-Type must be application/json" : err.message || code;
    return c.json(errorBody(c, code, message, []), err.status as ContentfulStatusCode);
  }
  // The deployment, not the request, is wrong: 503 (nothing is served until it is fixed), not a 500 bug.
  if (err instanceof ConfigError) {
    logError(c, err.message);
    return c.json(errorBody(c, "not_configured", err.message, []), 503);
  }
  logError(c, "unhandled error", err);
  return c.json(errorBody(c, "internal_error", "internal error", []), 500);
}
