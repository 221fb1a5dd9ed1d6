import type { AccountSettings } from "./db/accounts";
import type { KeyGrant } from "./domain/api-scopes";
import type { Db } from "./db/client";
import type { Config, Env } from "./env";
import type { AccountLog } from "./services/account-log";
import type { WaitUntil } from "./services/keep-alive";

// The one context of an API request, built once by the middleware of the route's declared
// authentication (src/http/route.ts): no handler or service assembles one of its own. A service takes
// the parts it needs, named by a `Pick` of these types (e.g. `Pick<AccountContext, "db" | "accountId">`),
// so a caller outside a request (a Durable Object's alarm, a test) can hand it just those.

/** What every request has, authenticated or not. */
export interface RequestContext {
  db: Db;
  config: Config;
  /** The Worker's bindings. */
  env: Env;
  /** Keeps work running past the answer or a client disconnect (./services/keep-alive.ts); undefined without an execution context. */
  waitUntil?: WaitUntil;
}

/** What a portal session may see of its account: set when the caller is a portal session, not an API key. */
export interface PortalScope {
  /** The applications the session manages; null for the whole account. */
  applications: string[] | null;
  /** When the session ends (Unix seconds). */
  expiresAt: number;
}

/** A request authenticated with an account's API key, or a portal session of one. */
export interface AccountContext extends RequestContext {
  accountId: string;
  /** The API key that authenticated the request (for a portal session: the key that minted it). */
  keyId: string;
  /** The account's settings, read with the key. */
  account: AccountSettings;
  /** What the key may do, read with it (src/domain/api-scopes.ts); a portal session's calls are bound by its own rules instead. */
  grant: KeyGrant;
  portal?: PortalScope;
  /** The account's delivery log. */
  log: AccountLog;
}
