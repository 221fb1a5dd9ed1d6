import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConfigError } from "./env";

export type ErrorCode =
  | "validation_failed"
  | "invalid_json"
  | "unauthorized"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unprocessable"
  | "rate_limited"
  | "not_configured"
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

/** The one error handler: maps anything thrown to the JSON error shape; only real bugs become 500. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json({ error: { code: err.code, message: err.message, details: err.details } }, err.status, err.headers);
  }
  if (err instanceof HTTPException && err.status < 500) {
    const code = httpExceptionCodes[err.status] ?? "validation_failed";
    const message = err.status === 415 ? "Content-Type must be application/json" : err.message || code;
    return c.json({ error: { code, message, details: [] } }, err.status as ContentfulStatusCode);
  }
  if (err instanceof ConfigError) {
    console.error(err.message);
    return c.json({ error: { code: "not_configured", message: err.message, details: [] } }, 500);
  }
  console.error("unhandled error", err);
  return c.json({ error: { code: "internal_error", message: "internal error", details: [] } }, 500);
}
