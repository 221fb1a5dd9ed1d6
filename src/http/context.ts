import type { Context } from "hono";
import type { AccountContext, RequestContext } from "../context";
import { getDb } from "../db/client";
import { getConfig, type Env } from "../env";
import { AccountLog } from "../services/account-log";

// The request context (src/context.ts) as Hono carries it: `c.var.ctx`, set by the middleware of
// the route's declared authentication (./route.ts), and `c.var.requestId` (./security.ts).

export interface AppVariables {
  /** Set by the request-id middleware (./security.ts); echoed in error bodies and logs. */
  requestId: string;
  /** Set by the route's authentication middleware (./route.ts), before the route's validators and handler. */
  ctx: RequestContext;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };

/** A route authenticated with an account's credential: its handler's `c.var.ctx` is the account's context. */
export type AccountEnv = { Bindings: Env; Variables: AppVariables & { ctx: AccountContext } };

/** The context every request has: configuration, database, bindings and `waitUntil`. */
export function requestContext(c: Context<AppEnv>): RequestContext {
  return { db: getDb(c.env.DB), config: getConfig(c.env), env: c.env, waitUntil: waitUntilOf(c) };
}

/** The request's context, once its caller is known to act for an account. */
export function accountContext(base: RequestContext, caller: Pick<AccountContext, "accountId" | "keyId" | "account" | "grant" | "portal">): AccountContext {
  return { ...base, ...caller, log: new AccountLog(base.env.DELIVERY_LOG, caller.accountId, caller.account) };
}

/**
 * The invocation's `waitUntil`, for a service whose work must outlive a client disconnect (see
 * src/services/keep-alive.ts). Undefined when the app is called without an execution context.
 */
function waitUntilOf(c: Context<AppEnv>): RequestContext["waitUntil"] {
  try {
    const ctx = c.executionCtx; // Hono's getter throws when there is none
    return (work) => ctx.waitUntil(work);
  } catch {
    return undefined;
  }
}
