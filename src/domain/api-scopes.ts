// What an API key may do: scopes (which routes) and applications (which applications the events it
// publishes concern). Every route declares the one scope it needs (src/http/route.ts); a key with no
// scopes (null) holds them all, and one with no applications (null) is bound to none: keys made
// before scopes existed keep full access. Pure: the HTTP layer reads the key, this decides.

/** Every scope, in the order docs and OpenAPI list them. The one list: validation, routes and docs use it. */
export const API_SCOPES = [
  "events:publish",
  "events:read",
  "deliveries:read",
  "deliveries:write",
  "hooks:read",
  "hooks:write",
  "event-types:read",
  "event-types:write",
  "gates:call",
  "stats:read",
  "account:read",
  "account:write",
  "keys:read",
  "keys:write",
  "portal-sessions:write",
  "slack:read",
  "slack:write",
  "tunnels:read",
  "tunnels:connect",
] as const;

export type ApiScope = (typeof API_SCOPES)[number];

/** What a key was granted: null is everything (every scope; no application binding). */
export interface KeyGrant {
  scopes: ApiScope[] | null;
  applications: string[] | null;
}

/** The grant of a key that holds everything (keys made before scopes, the admin's default). */
export const FULL_GRANT: KeyGrant = { scopes: null, applications: null };

export function grantAllows(grant: KeyGrant, scope: ApiScope): boolean {
  return grant.scopes === null || grant.scopes.includes(scope);
}

/** `inner` within `outer`, null being "all". */
function within<T>(inner: readonly T[] | null, outer: readonly T[] | null): boolean {
  if (outer === null) return true;
  return inner !== null && inner.every((x) => outer.includes(x));
}

/** Where and why a grant is not within another. */
export interface GrantExcess {
  path: "scopes" | "applications";
  message: string;
}

/** The first reason `requested` is not within `minter`'s own grant (a key only mints or revokes keys that can do no more than it), or null. */
export function grantExceeds(requested: KeyGrant, minter: KeyGrant): GrantExcess | null {
  if (!within(requested.scopes, minter.scopes)) {
    const extra = requested.scopes === null ? ["every scope"] : requested.scopes.filter((s) => !minter.scopes!.includes(s));
    return { path: "scopes", message: `${extra.join(", ")} is beyond this API key's own scopes (${minter.scopes!.join(", ")})` };
  }
  if (!within(requested.applications, minter.applications)) {
    const extra = requested.applications === null ? ["every application"] : requested.applications.filter((a) => !minter.applications!.includes(a));
    return { path: "applications", message: `${extra.join(", ")} is beyond this API key's own applications (${minter.applications!.join(", ")})` };
  }
  return null;
}

/**
 * The grant a key asks for, completed from its minter's: scopes or applications left out are the
 * minter's own (so a scoped key mints keys no stronger than itself without repeating its grant).
 */
export function requestedGrant(asked: { scopes?: ApiScope[]; applications?: string[] }, minter: KeyGrant): KeyGrant {
  return {
    scopes: asked.scopes ? [...new Set(asked.scopes)] : minter.scopes,
    applications: asked.applications ? [...new Set(asked.applications)] : minter.applications,
  };
}

export type BoundApplications = { ok: true; applications: string[] | null } | { ok: false; outside: string[] };

/**
 * The applications an event published with a key concerns: a key bound to applications labels an
 * event that names none with its own, and may not name others (the caller answers 403). A key bound
 * to none changes nothing.
 */
export function applicationsForKey(eventApplications: string[] | null, keyApplications: string[] | null): BoundApplications {
  if (keyApplications === null) return { ok: true, applications: eventApplications };
  if (eventApplications === null || eventApplications.length === 0) return { ok: true, applications: [...keyApplications] };
  const outside = eventApplications.filter((a) => !keyApplications.includes(a));
  return outside.length > 0 ? { ok: false, outside } : { ok: true, applications: eventApplications };
}

/** The grant stored on a key's row. */
export const grantOf = (key: { scopes: ApiScope[] | null; applications: string[] | null }): KeyGrant => ({ scopes: key.scopes, applications: key.applications });
