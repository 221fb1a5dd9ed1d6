import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { getConfig } from "../env";
import { withRequestId } from "../observability/log";
import type { AppEnv } from "./context";

// Response hardening shared by every route: a request id on every answer (echoed in error bodies and
// log lines, so a user's report can be matched to a log), the usual security headers, and CORS only
// for the origins an operator lists in CORS_ORIGINS (off by default: the API is called by servers).

/** Sets `c.var.requestId` and the `X-Request-Id` answer header; a well-formed incoming id is kept. */
export const requestIds: MiddlewareHandler<AppEnv> = requestId({ limitLength: 128 });

/** Runs the rest of the request so that every log line written meanwhile carries its request id. */
export const logContext: MiddlewareHandler<AppEnv> = (c, next) => withRequestId(c.var.requestId, next);

const defaultSecureHeaders = secureHeaders();

/**
 * hono/secure-headers with its defaults (nosniff, frame-ancestors via X-Frame-Options, no-referrer,
 * HSTS, CORP same-origin, ...). They are added after the handler ran, so error answers carry them too.
 * One exception: an answer whose own Content-Security-Policy names the origins that may frame it (the
 * portal page of an account that allows embedding: src/routes/portal-page.ts) loses X-Frame-Options,
 * which cannot name origins and would otherwise refuse every framing site but this one.
 */
export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await defaultSecureHeaders(c, next);
  const csp = c.res.headers.get("content-security-policy");
  if (csp && /(^|;)\s*frame-ancestors\s+(?!'none')/.test(csp)) c.res.headers.delete("X-Frame-Options");
};

const corsByOrigins = new Map<string, MiddlewareHandler>();

/**
 * CORS for the configured origins only. With none configured the middleware does nothing at all: no
 * `Access-Control-*` header, and a preflight gets no special answer (so browsers refuse the call).
 */
export const corsWhenConfigured: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origins = getConfig(c.env).CORS_ORIGINS;
  if (origins.length === 0) return next();
  const cacheKey = origins.join(",");
  let handler = corsByOrigins.get(cacheKey);
  if (!handler) {
    handler = cors({
      origin: origins.includes("*") ? "*" : origins,
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      allowHeaders: ["authorization", "content-type", "idempotency-key", "x-request-id"],
      exposeHeaders: ["retry-after", "x-request-id"],
      maxAge: 600,
    });
    corsByOrigins.set(cacheKey, handler);
  }
  return handler(c, next);
};
