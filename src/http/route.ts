import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { grantAllows, type ApiScope } from "../domain/api-scopes";
import { ApiError } from "../errors";
import { errorResponses } from "../schemas/common";
import { authenticateAccount, requireAdminToken } from "./auth";
import { requestContext, type AccountEnv, type AppEnv } from "./context";

// How a route is authenticated is declared where the route is defined, in its `createRoute` config:
//
//   createRoute({ method: "get", path: "/v1/hooks", ...auth.apiKey({ scope: "hooks:read" }), ... })
//
// The declaration gives the route its OpenAPI `security` and its one middleware, which checks the
// credential and builds the request's context (`c.var.ctx`, src/context.ts) before the route's
// validators and handler run. Nothing depends on the order routers are mounted in, and a router made
// by `newRouter` refuses a route that declares nothing (test/api/authentication.test.ts then checks
// every route of the OpenAPI document against missing, wrong and foreign credentials).

/** The credential a route takes. */
export type Authentication =
  /**
   * An account's API key holding `scope` (src/domain/api-scopes.ts), or a portal session's token on
   * the routes the portal uses (src/domain/portal-access.ts): a portal session is bound by the
   * portal's own rules, not by scopes (minting one takes `portal-sessions:write`).
   */
  | { credential: "api_key"; scope: ApiScope }
  /** The ADMIN_TOKEN secret. */
  | { credential: "admin" }
  /** None: anyone may call the route; `reason` says why that is safe. */
  | { credential: "none"; reason: string };

/** The OpenAPI security requirement of a declaration (the security schemes are registered in src/app.ts). */
function securityOf(a: Authentication): Array<Record<string, string[]>> {
  switch (a.credential) {
    case "api_key":
      return [{ bearer: [a.scope] }];
    case "admin":
      return [{ admin: [] }];
    case "none":
      return [];
  }
}

/** The one middleware of a route: checks its credential and sets the request's context. */
function contextMiddleware(a: Authentication): MiddlewareHandler<AppEnv> {
  switch (a.credential) {
    case "api_key":
      return createMiddleware<AppEnv>(async (c, next) => {
        const ctx = await authenticateAccount(c, requestContext(c));
        // The key's scopes come with the key's one read: checking them costs nothing more.
        if (!ctx.portal && !grantAllows(ctx.grant, a.scope)) throw ApiError.insufficientScope(a.scope);
        c.set("ctx", ctx);
        await next();
      });
    case "admin":
      return createMiddleware<AppEnv>(async (c, next) => {
        const ctx = requestContext(c);
        await requireAdminToken(c, ctx);
        c.set("ctx", ctx);
        await next();
      });
    case "none":
      return createMiddleware<AppEnv>(async (c, next) => {
        c.set("ctx", requestContext(c));
        await next();
      });
  }
}

/** The middleware of every declaration made, and what each declared. */
const declared = new WeakMap<MiddlewareHandler<AppEnv>, Authentication>();

/**
 * `E`: the variables the middleware gives the route's handler (for an API key, the account's
 * context), which @hono/zod-openapi reads off the route's `middleware` to type `c.var`.
 */
function declare<E extends AppEnv | AccountEnv>(a: Authentication): { security: Array<Record<string, string[]>>; middleware: MiddlewareHandler<E>; "x-required-scope"?: ApiScope } {
  const middleware = contextMiddleware(a);
  declared.set(middleware, a);
  const scope = a.credential === "api_key" ? { "x-required-scope": a.scope } : {};
  return { security: securityOf(a), middleware: middleware as unknown as MiddlewareHandler<E>, ...scope };
}

/** The declarations, spread into a route's `createRoute` config. */
export const auth = {
  /**
   * An account's API key holding `scope` (or a portal session's token, on the portal's routes):
   * `c.var.ctx` is the account's context. A key without the scope answers 403 naming it.
   */
  apiKey: ({ scope }: { scope: ApiScope }) => declare<AccountEnv>({ credential: "api_key", scope }),
  /** The ADMIN_TOKEN secret. */
  admin: () => declare<AppEnv>({ credential: "admin" }),
  /** No credential; `reason` says what makes that safe (it is kept with the route, for its readers). */
  none: (reason: string) => declare<AppEnv>({ credential: "none", reason }),
};

/** What a route declared, or undefined when it declared nothing. */
function declaredAuthentication(route: { middleware?: unknown }): Authentication | undefined {
  const middleware = Array.isArray(route.middleware) ? route.middleware[0] : route.middleware;
  return typeof middleware === "function" ? declared.get(middleware as MiddlewareHandler<AppEnv>) : undefined;
}

/** The route's documentation names the scope it needs, and its 403 answer. */
function withScopeDocumented<R extends { description?: string; responses: Record<string | number, unknown> }>(route: R, scope: ApiScope): R {
  const needs = `Requires an API key with the scope \`${scope}\` (or no scopes: full access).`;
  return {
    ...route,
    description: route.description ? `${route.description}\n\n${needs}` : needs,
    responses: { ...route.responses, ...errorResponses(403) },
  };
}

/**
 * A router whose request validation failures become the API's 400 error shape, and which refuses
 * (when the app is built, so every test fails) a route that does not declare its authentication.
 */
export function newRouter(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const details = result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
        throw ApiError.validation(`invalid ${result.target}: ${details.map((d) => `${d.path || "(root)"}: ${d.message}`).join("; ")}`, details);
      }
    },
  });
  const register = router.openapi;
  router.openapi = ((route, handler, hook) => {
    const declaration = declaredAuthentication(route);
    if (!declaration) {
      throw new Error(`${route.method.toUpperCase()} ${route.path} declares no authentication: spread auth.apiKey({ scope }), auth.admin() or auth.none(reason) into its createRoute config (src/http/route.ts)`);
    }
    return register(declaration.credential === "api_key" ? withScopeDocumented(route, declaration.scope) : route, handler, hook);
  }) as typeof router.openapi;
  return router;
}
