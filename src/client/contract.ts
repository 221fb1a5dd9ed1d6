import type { z } from "@hono/zod-openapi";
import type { Hono } from "hono";
import type { StatusCode } from "hono/utils/http-status";
import type * as accounts from "../schemas/accounts";
import type * as common from "../schemas/common";
import type * as deliveries from "../schemas/deliveries";
import type * as eventTypes from "../schemas/event-types";
import type * as events from "../schemas/events";
import type * as gates from "../schemas/gates";
import type * as hookActions from "../schemas/hook-actions";
import type * as hookTest from "../schemas/hook-test";
import type * as hooks from "../schemas/hooks";
import type * as replayJobs from "../schemas/replay-jobs";
import type * as tunnels from "../schemas/tunnels";

// The routes the typed client knows, as a Hono schema type for `hc`, with every request and response
// type taken from the API's own zod schemas (the single source of truth).
//
// Why not `hc<App>`: the app's routers register routes with statements (`router.openapi(...)`), not
// chains, so the app's *type* carries no routes and `hc<App>` would type nothing. Making it carry
// them means rewriting every router as one chained expression. Instead this file lists the
// (method, path) pairs the client offers, and `CONTRACT_ROUTES` (checked against this type below)
// is compared with the router's OpenAPI document in test/cli/cli.test.ts, so a route renamed or
// removed on the server fails the tests instead of drifting silently.

type In<T extends z.ZodType> = z.input<T>;
type Out<T extends z.ZodType> = z.output<T>;

/** The body of every error answer (see src/errors.ts). */
export interface ApiErrorBody {
  error: { code: string; message: string; details: Array<{ path: string; message: string }> };
}

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

/** One endpoint: its input, its success answer, and the error answer every route can give. */
type Ep<Input, Output, S extends StatusCode = 200> =
  | { input: Input; output: Output; outputFormat: "json"; status: S }
  | { input: Input; output: ApiErrorBody; outputFormat: "json"; status: ErrorStatus };

/** Query strings travel as strings; the server coerces them (numbers, booleans). */
type QueryOf<T> = { [K in keyof T]?: string };
type IdParam = { param: { id: string } };
/** The user a call is made for, recorded on the hook (created_by_user_id / updated_by_user_id). */
type ActingUser = { header?: { "acting-user-id"?: string } };

export type Hook = Out<typeof hooks.Hook>;
export type HookWithSecret = Out<typeof hooks.HookWithSecret>;
export type HookCreate = In<typeof hooks.HookCreate>;
export type PublishedEvent = Out<typeof events.EventAccepted>;
export type Delivery = Out<typeof deliveries.Delivery>;
export type DeliveryDetail = Out<typeof deliveries.DeliveryDetail>;
export type Attempt = Out<typeof deliveries.Attempt>;
export type GateResult = Out<typeof gates.GateResult>;
export type GateDecision = Out<typeof gates.GateDecision>;
export type HookTestResult = Out<typeof hookTest.HookTestResult>;
export type Tunnel = Out<typeof tunnels.Tunnel>;
export type HookSecret = Out<typeof hooks.HookSecret>;
/** A content filter (docs/filters.md). */
export type HookFilter = Out<typeof hooks.HookFilter>;
/** A payload transformation (docs/transforms.md). */
export type HookTransform = Out<typeof hooks.HookTransform>;
export type FilterTestResult = Out<typeof hooks.FilterTestResult>;
export type TransformTestResult = Out<typeof hooks.TransformTestResult>;
export type Account = Out<typeof accounts.Account>;
export type EventType = Out<typeof eventTypes.EventType>;
export type EventTypePut = In<typeof eventTypes.EventTypePut>;
export type ConfigurationHealth = Out<typeof accounts.ConfigurationHealth>;
/** An API key as listed (never the key itself), with its scopes and applications. */
export type ApiKey = Out<typeof accounts.ApiKey>;
/** A new API key: the bearer token is in this answer only. */
export type ApiKeyCreated = Out<typeof accounts.ApiKeyCreated>;
export type ApiKeyCreate = In<typeof accounts.ApiKeyCreate>;
/** A scope an API key may hold (docs/api.md, Scopes). */
export type ApiScope = Out<typeof accounts.ApiScopeName>;
/** A window replay job (docs/delivery.md, "Replay"). */
export type ReplayJob = Out<typeof replayJobs.ReplayJob>;
export type ReplayJobCreate = In<typeof replayJobs.ReplayJobCreate>;
type ReplayJobParam = { param: { id: string; job_id: string } };

export type Contract = {
  "/health": { $get: Ep<{}, { ok: true; d1: true }> };
  "/v1/accounts": { $post: Ep<{ json: In<typeof accounts.AccountCreate> }, Out<typeof accounts.Account>, 201> };
  "/v1/accounts/:id/keys": {
    $post: Ep<IdParam & { json: In<typeof accounts.ApiKeyCreate> }, Out<typeof accounts.ApiKeyCreated>, 201>;
  };
  "/v1/account/health": { $get: Ep<{}, ConfigurationHealth> };
  "/v1/keys": {
    $get: Ep<{}, { data: ApiKey[] }>;
    $post: Ep<{ json: ApiKeyCreate }, ApiKeyCreated, 201>;
  };
  "/v1/keys/:id": { $delete: Ep<IdParam, ApiKey> };
  "/v1/event-types": { $get: Ep<{ query?: QueryOf<In<typeof eventTypes.EventTypeListQuery>> }, { data: EventType[] }> };
  "/v1/event-types/:name": { $put: Ep<{ param: { name: string }; json: EventTypePut }, EventType> };
  "/v1/hooks": {
    $get: Ep<{ query: QueryOf<In<typeof hooks.HookListQuery>> }, Out<typeof hooks.HookList>>;
    $post: Ep<{ json: In<typeof hooks.HookCreate> } & ActingUser, Out<typeof hooks.HookWithSecret>, 201>;
  };
  "/v1/hooks/active": { $get: Ep<{ query: QueryOf<In<typeof hooks.ActiveHooksQuery>> }, Out<typeof hooks.ActiveHooks>> };
  "/v1/hooks/:id": {
    $get: Ep<IdParam, Out<typeof hooks.Hook>>;
    $patch: Ep<IdParam & { json: In<typeof hooks.HookPatch> } & ActingUser, Out<typeof hooks.Hook>>;
    $delete: Ep<IdParam, Out<typeof hooks.Hook>>;
  };
  "/v1/hooks/:id/secret": { $get: Ep<IdParam, Out<typeof hooks.HookSecret>> };
  "/v1/hooks/:id/secret/rotate": { $post: Ep<IdParam & { json: In<typeof hookActions.SecretRotate> }, Out<typeof hooks.HookSecret>> };
  "/v1/hooks/:id/replays": {
    $get: Ep<IdParam & { query?: QueryOf<In<typeof common.PaginationQuery>> }, Out<typeof replayJobs.ReplayJobList>>;
    $post: Ep<IdParam & { json: ReplayJobCreate }, ReplayJob, 202>;
  };
  "/v1/hooks/:id/replays/:job_id": { $get: Ep<ReplayJobParam, ReplayJob> };
  "/v1/hooks/:id/replays/:job_id/cancel": { $post: Ep<ReplayJobParam, ReplayJob> };
  "/v1/hooks/filter-test": { $post: Ep<{ json: In<typeof hooks.FilterTestRequest> }, FilterTestResult> };
  "/v1/hooks/transform-test": { $post: Ep<{ json: In<typeof hooks.TransformTestRequest> }, TransformTestResult> };
  "/v1/account": {
    $get: Ep<{}, Account>;
    $patch: Ep<{ json: In<typeof accounts.AccountSettingsUpdate> }, Account>;
  };
  "/v1/hooks/:id/test": { $post: Ep<IdParam & { json: In<typeof hookTest.HookTestRequest> }, HookTestResult> };
  "/v1/events": {
    $post: Ep<{ json: In<typeof events.EventCreate>; header?: { "idempotency-key"?: string } }, PublishedEvent, 202>;
  };
  "/v1/events/:id/replay": { $post: Ep<IdParam & { json: In<typeof events.EventReplay> }, Out<typeof events.EventReplayed>, 202> };
  "/v1/deliveries": { $get: Ep<{ query: QueryOf<In<typeof deliveries.DeliveryListQuery>> }, Out<typeof deliveries.DeliveryList>> };
  "/v1/deliveries/:id": { $get: Ep<IdParam, DeliveryDetail> };
  "/v1/deliveries/:id/retry": { $post: Ep<IdParam, Delivery, 202> };
  "/v1/deliveries/:id/resend": { $post: Ep<IdParam, Delivery, 202> };
  "/v1/gates/:type": { $post: Ep<{ param: { type: string }; json: In<typeof gates.GateRequest> }, GateResult> };
  "/v1/tunnels": { $get: Ep<{}, Out<typeof tunnels.TunnelList>> };
};

/** A Hono app type carrying the contract, for `hc<ContractApp>(url)`. */
export type ContractApp = Hono<{}, Contract, "/">;

type Method<K> = K extends `$${infer M}` ? M : never;

/** The same routes as data, so a test can compare them with the server's OpenAPI document. */
export const CONTRACT_ROUTES = {
  "/health": ["get"],
  "/v1/accounts": ["post"],
  "/v1/accounts/:id/keys": ["post"],
  "/v1/account/health": ["get"],
  "/v1/keys": ["get", "post"],
  "/v1/keys/:id": ["delete"],
  "/v1/event-types": ["get"],
  "/v1/event-types/:name": ["put"],
  "/v1/hooks": ["get", "post"],
  "/v1/hooks/active": ["get"],
  "/v1/hooks/:id": ["get", "patch", "delete"],
  "/v1/hooks/:id/secret": ["get"],
  "/v1/hooks/:id/secret/rotate": ["post"],
  "/v1/hooks/:id/replays": ["get", "post"],
  "/v1/hooks/:id/replays/:job_id": ["get"],
  "/v1/hooks/:id/replays/:job_id/cancel": ["post"],
  "/v1/hooks/filter-test": ["post"],
  "/v1/hooks/transform-test": ["post"],
  "/v1/account": ["get", "patch"],
  "/v1/hooks/:id/test": ["post"],
  "/v1/events": ["post"],
  "/v1/events/:id/replay": ["post"],
  "/v1/deliveries": ["get"],
  "/v1/deliveries/:id": ["get"],
  "/v1/deliveries/:id/retry": ["post"],
  "/v1/deliveries/:id/resend": ["post"],
  "/v1/gates/:type": ["post"],
  "/v1/tunnels": ["get"],
} as const satisfies { [P in keyof Contract]: ReadonlyArray<Method<keyof Contract[P]>> };

// Both directions, checked by tsc: the paths and each path's methods above are exactly the type's.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type MethodsMatch = { [P in keyof Contract]: Exact<(typeof CONTRACT_ROUTES)[P][number], Method<keyof Contract[P]>> }[keyof Contract];
const routesMatchContract: Exact<keyof typeof CONTRACT_ROUTES, keyof Contract> & Exact<MethodsMatch, true> = true;
void routesMatchContract;
