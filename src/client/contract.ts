import type { z } from "@hono/zod-openapi";
import type { Hono } from "hono";
import type { StatusCode } from "hono/utils/http-status";
import type * as accounts from "../schemas/accounts";
import type * as gates from "../schemas/gates";
import type * as hooks from "../schemas/hooks";

// The routes the typed client knows, as a Hono schema type for `hc`, with every request and response
// type taken from the API's own zod schemas (the single source of truth).
//
// Why not `hc<App>`: the app's routers register routes with statements (`router.openapi(...)`), not
// chains, so the app's *type* carries no routes and `hc<App>` would type nothing. Making it carry
// them means rewriting every router as one chained expression. Instead this file lists the
// (method, path) pairs the client offers, and `CONTRACT_ROUTES` (checked against this type below)
// is compared with the app's OpenAPI document in test/cli/contract.test.ts, so a route renamed or
// removed on the server fails the tests instead of drifting silently.

type In<T extends z.ZodType> = z.input<T>;
type Out<T extends z.ZodType> = z.output<T>;

/** The body of every error answer (see src/errors.ts). */
export interface ApiErrorBody {
  error: { code: string; message: string; details: Array<{ path: string; message: string }> };
}

type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

/** One endpoint: its input, its success answer, and the error answer every route can give. */
type Ep<Input, Output, S extends StatusCode = 200> =
  | { input: Input; output: Output; outputFormat: "json"; status: S }
  | { input: Input; output: ApiErrorBody; outputFormat: "json"; status: ErrorStatus };

/** Query strings travel as strings; the server coerces them (numbers, booleans). */
type QueryOf<T> = { [K in keyof T]?: string };
type IdParam = { param: { id: string } };

// ---- shapes of the routes being built alongside this client (design.md contract) ----

export interface PublishedEvent {
  id: string;
  type: string;
  /** How many deliveries the event made (older builds answer the list of them). */
  deliveries: number | Array<{ id: string; hook_id: string; status: string }>;
}

export interface EventPublish {
  type: string;
  payload: unknown;
  applications?: string[];
  work_id?: string;
  idempotency_key?: string;
}

export type DeliveryStatus = "pending" | "succeeded" | "failed" | "dead" | "skipped";

export interface Delivery {
  id: string;
  event_id: string;
  hook_id: string;
  status: DeliveryStatus;
  attempts: number | Attempt[];
  created_at: string;
  updated_at?: string;
  last_attempt_at?: string | null;
  next_attempt_at?: string | null;
  event_type?: string;
}

export interface Attempt {
  n: number;
  at: string;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  duration_ms: number;
}

export interface DeliveryDetail extends Delivery {
  attempt_log?: Attempt[];
}

export interface DeliveryListQuery {
  hook_id?: string;
  event_id?: string;
  status?: DeliveryStatus;
  limit?: number;
  cursor?: string;
}

export interface HookTestResult {
  success: boolean;
  response_status: number | null;
  response_body: string | null;
  error_message: string | null;
  tested_at: string;
  event_type?: string;
}

export type Page<T> = { data: T[]; next_cursor: string | null };
export type Hook = Out<typeof hooks.Hook>;
export type HookWithSecret = Out<typeof hooks.HookWithSecret>;
export type HookCreate = In<typeof hooks.HookCreate>;
export type GateResult = Out<typeof gates.GateResult>;
export type GateDecision = Out<typeof gates.GateDecision>;

export type Contract = {
  "/health": { $get: Ep<{}, { ok: true; d1: true }> };
  "/v1/accounts": { $post: Ep<{ json: In<typeof accounts.AccountCreate> }, Out<typeof accounts.Account>, 201> };
  "/v1/accounts/:id/keys": {
    $post: Ep<IdParam & { json: In<typeof accounts.ApiKeyCreate> }, Out<typeof accounts.ApiKeyCreated>, 201>;
  };
  "/v1/hooks": {
    $get: Ep<{ query: QueryOf<In<typeof hooks.HookListQuery>> }, Out<typeof hooks.HookList>>;
    $post: Ep<{ json: In<typeof hooks.HookCreate> }, Out<typeof hooks.HookWithSecret>, 201>;
  };
  "/v1/hooks/:id": {
    $get: Ep<IdParam, Out<typeof hooks.Hook>>;
    $patch: Ep<IdParam & { json: In<typeof hooks.HookPatch> }, Out<typeof hooks.Hook>>;
    $delete: Ep<IdParam, Out<typeof hooks.Hook>>;
  };
  "/v1/hooks/:id/secret": { $get: Ep<IdParam, Out<typeof hooks.HookSecret>> };
  "/v1/hooks/:id/test": { $post: Ep<IdParam & { json: { event_type?: string } }, HookTestResult> };
  "/v1/events": { $post: Ep<{ json: EventPublish }, PublishedEvent, 202> };
  "/v1/deliveries": { $get: Ep<{ query: QueryOf<DeliveryListQuery> }, Page<Delivery>> };
  "/v1/deliveries/:id": { $get: Ep<IdParam, DeliveryDetail> };
  "/v1/deliveries/:id/retry": { $post: Ep<IdParam, Delivery | DeliveryDetail, 200 | 202> };
  "/v1/gates/:type": { $post: Ep<{ param: { type: string }; json: In<typeof gates.GateRequest> }, GateResult> };
};

/** A Hono app type carrying the contract, for `hc<ContractApp>(url)`. */
export type ContractApp = Hono<{}, Contract, "/">;

type Method<K> = K extends `$${infer M}` ? M : never;

/** The same routes as data, so a test can compare them with the server's OpenAPI document. */
export const CONTRACT_ROUTES = {
  "/health": ["get"],
  "/v1/accounts": ["post"],
  "/v1/accounts/:id/keys": ["post"],
  "/v1/hooks": ["get", "post"],
  "/v1/hooks/:id": ["get", "patch", "delete"],
  "/v1/hooks/:id/secret": ["get"],
  "/v1/hooks/:id/test": ["post"],
  "/v1/events": ["post"],
  "/v1/deliveries": ["get"],
  "/v1/deliveries/:id": ["get"],
  "/v1/deliveries/:id/retry": ["post"],
  "/v1/gates/:type": ["post"],
} as const satisfies { [P in keyof Contract]: ReadonlyArray<Method<keyof Contract[P]>> };

// Both directions, checked by tsc: the paths and each path's methods above are exactly the type's.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type MethodsMatch = { [P in keyof Contract]: Exact<(typeof CONTRACT_ROUTES)[P][number], Method<keyof Contract[P]>> }[keyof Contract];
const routesMatchContract: Exact<keyof typeof CONTRACT_ROUTES, keyof Contract> & Exact<MethodsMatch, true> = true;
void routesMatchContract;
