// What a portal session may call. A portal token is handed to a person's browser, so it opens only
// the routes the portal page uses (no keys, accounts, events but an event's replay to named hooks,
// gates, Slack, catalog writes, nor minting more sessions), and a session scoped to applications
// reaches only the hooks scoped to them and those hooks' deliveries (and replay jobs). Pure: the HTTP layer (src/http/portal-auth.ts) does the look-ups.

/** What a permitted call touches: the account as a whole (lists, stats), or one hook or delivery by id. */
export type PortalTarget = { kind: "account" } | { kind: "hook"; id: string } | { kind: "delivery"; id: string };

const ACCOUNT_ROUTES = new Set(["GET /v1/event-types", "GET /v1/hooks", "POST /v1/hooks", "GET /v1/deliveries", "GET /v1/stats", "GET /v1/tunnels", "GET /v1/account/health"]);

/** Below /v1/hooks/{id}: "" is the hook itself. */
const HOOK_ROUTES = new Set([
  "GET ",
  "PATCH ",
  "DELETE ",
  "POST /enable",
  "POST /disable",
  "POST /test",
  "POST /recover",
  "POST /secret/rotate",
  "GET /secret",
  "GET /stats",
  "GET /replays",
  "POST /replays",
  "GET /replays/{job_id}",
  "POST /replays/{job_id}/cancel",
]);

/** /v1/hooks/{id} segments that are other routes, not hook ids. */
const HOOK_STATIC = new Set(["active", "name-available", "filter-test", "transform-test"]);

function decodeSegment(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** The target of a call a portal session may make, or null when a portal session may not make it. */
export function portalTarget(method: string, path: string): PortalTarget | null {
  const verb = method === "HEAD" ? "GET" : method;
  if (ACCOUNT_ROUTES.has(`${verb} ${path}`)) return { kind: "account" };
  const hook = /^\/v1\/hooks\/([^/]+)(\/.*)?$/.exec(path);
  if (hook) {
    const id = decodeSegment(hook[1]!);
    // A hook's replay job is reached through its hook: the job's own id checks nothing more here.
    const below = (hook[2] ?? "").replace(/^\/replays\/[^/]+/, "/replays/{job_id}");
    if (id === null || HOOK_STATIC.has(id) || !HOOK_ROUTES.has(`${verb} ${below}`)) return null;
    return { kind: "hook", id };
  }
  // An event's replay: the service narrows it for a portal session (named hooks within its scope,
  // an event it has a delivery of: src/services/events.ts), which needs the request's body.
  if (verb === "POST" && /^\/v1\/events\/[^/]+\/replay$/.test(path)) return { kind: "account" };
  const delivery = /^\/v1\/deliveries\/([^/]+)(\/retry|\/resend)?$/.exec(path);
  if (delivery) {
    const id = decodeSegment(delivery[1]!);
    const allowed = delivery[2] ? verb === "POST" : verb === "GET";
    return id !== null && allowed ? { kind: "delivery", id } : null;
  }
  return null;
}

/**
 * A hook is within a session's applications when it is scoped to at least one application and to
 * none outside them: site-level and fallback hooks (no applications) receive every application's
 * events, so they belong to the account, not to one of its applications.
 */
export function hookWithinScope(hookApplications: string[] | null, scope: string[]): boolean {
  return !!hookApplications && hookApplications.length > 0 && hookApplications.every((a) => scope.includes(a));
}
