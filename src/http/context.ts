import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Db } from "../db/client";
import type { Config, Env } from "../env";
import { AccountLog } from "../services/account-log";
import { ApiError } from "../errors";

export interface AppVariables {
  db: Db;
  config: Config;
  /** Set by the API-key middleware. */
  accountId: string;
  keyId: string;
  /** The authenticated account's settings (read with its key). */
  account: import("../db/accounts").AccountSettings;
  /** Set when the caller is a portal session (src/http/portal-auth.ts) rather than an API key. */
  portal?: { applications: string[] | null; expiresAt: number };
  /** Set by the request-id middleware (src/http/security.ts); echoed in error bodies and logs. */
  requestId: string;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };

/** A router whose request validation failures become the API's 400 error shape. */
export function newRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const details = result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
        throw ApiError.validation(`invalid ${result.target}: ${details.map((d) => `${d.path || "(root)"}: ${d.message}`).join("; ")}`, details);
      }
    },
  });
}

/**
 * The invocation's `waitUntil`, for a service whose work must outlive a client disconnect (see
 * src/services/keep-alive.ts). Undefined when the app is called without an execution context.
 */
export function waitUntilOf(c: Context<AppEnv>): ((work: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx; // Hono's getter throws when there is none
    return (work) => ctx.waitUntil(work);
  } catch {
    return undefined;
  }
}

/** The authenticated account's delivery log. */
export function accountLogOf(c: Context<AppEnv>): AccountLog {
  return new AccountLog(c.env.DELIVERY_LOG, c.var.accountId, c.var.account);
}
