import { z } from "@hono/zod-openapi";
import { eventNameOfPair, PAIR_ACTIONS, PAIR_ENTITIES } from "../domain/event-names";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "validation_failed" }),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })),
      request_id: z.string().optional().openapi({ description: "The X-Request-Id of this request, to quote in a support request" }),
    }),
  })
  .openapi("Error");

export const Timestamp = z.string().openapi({ format: "date-time", example: "2026-11-23T10:00:00.000Z" });

/**
 * A point in time for a filter, normalised to the stored form (`toISOString()`): stored timestamps
 * compare as strings, and `…:00Z` sorts after `…:00.500Z`.
 */
export const IsoInstant = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v).toISOString())
  .openapi({ format: "date-time", example: "2026-11-23T10:00:00Z" });

/** An application a hook is scoped to, an event concerns or a portal session shows: one name, no spaces or commas. */
export const ApplicationName = z.string().min(1).max(128).regex(/^[^\s,]+$/, "application names have no spaces or commas");

/** A user id as a producer names it (the Acting-User-Id header): printable ASCII without spaces, as a work_id. */
export const ACTING_USER_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * MLflow's `{entity, action}` event, in any letter case, read as its canonical name
 * (`model_version.created`: src/domain/event-names.ts). `wildcards`: ENTITY_UNSPECIFIED,
 * ACTION_UNSPECIFIED and `*` may stand for any (a subscription), or may not (an event).
 */
export function eventPair(wildcards: boolean) {
  return z
    .strictObject({
      entity: z.string().min(1).max(64).openapi({ description: `${PAIR_ENTITIES.join(", ")}${wildcards ? ", or ENTITY_UNSPECIFIED / * (any)" : ""}; any letter case`, example: "MODEL_VERSION" }),
      action: z.string().min(1).max(64).openapi({ description: `${PAIR_ACTIONS.join(", ")}${wildcards ? ", or ACTION_UNSPECIFIED / * (any)" : ""}; any letter case`, example: "CREATED" }),
    })
    .transform((pair, ctx) => {
      const named = eventNameOfPair(pair, wildcards);
      if (named.ok) return named.name;
      ctx.addIssue({ code: "custom", path: [named.path], message: named.message });
      return z.NEVER;
    });
}

export const PaginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ description: "1..100, default 50" }),
  cursor: z.string().max(64).regex(/^[a-z]+_[0-9A-Z]{26}$/, "not a cursor this API returned").optional(),
});

export function listOf<T extends z.ZodTypeAny>(item: T, name: string) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() }).openapi(name);
}

export const StringMap = z.record(z.string().max(128), z.string().max(1024)).refine((m) => Object.keys(m).length <= 50, "at most 50 entries");

export const BoolQuery = z.enum(["true", "false"]).transform((v) => v === "true");

/** The standard error responses a route can give, for the OpenAPI document. */
export function errorResponses(...statuses: Array<400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 426 | 429 | 503>) {
  const descriptions: Record<number, string> = {
    400: "Malformed request",
    401: "Missing or invalid credentials",
    403: "The API key lacks the route's scope (insufficient_scope), or may not act for these applications (forbidden)",
    404: "Not found (or another account's)",
    409: "Conflict",
    413: "Body too large",
    415: "Content-Type is not application/json",
    422: "Well-formed but not allowed",
    426: "Not a WebSocket upgrade",
    429: "Rate limited",
    503: "Not configured",
  };
  return Object.fromEntries(
    statuses.map((s) => [s, { description: descriptions[s]!, content: { "application/json": { schema: ErrorSchema } } }]),
  );
}

/** A JSON request body; an optional one (`required: false`) is read with `bodyWithDefaults`. */
export function jsonBody<T extends z.ZodTypeAny>(schema: T, required = true) {
  return { body: { required, content: { "application/json": { schema } } } };
}

/**
 * The validated value of an optional JSON body, with the schema's defaults. A request without a body
 * is not validated (@hono/zod-openapi hands the handler `{}` as is), so its defaults are applied here.
 */
export function bodyWithDefaults<T extends z.ZodTypeAny>(schema: T, validated: unknown): z.output<T> {
  return schema.parse(validated ?? {});
}

export function jsonResponse<T extends z.ZodTypeAny>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}
