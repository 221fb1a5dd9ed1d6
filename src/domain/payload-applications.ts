// Huskar puts the applications an event concerns in its payload (`application_names` in every
// event). A cataloged event type may name that place (`applications_path`); when the producer passes
// no `applications`, the event's applications are read from there, so application-scoped hooks get
// the event without the producer repeating itself.

/** A dotted path of object keys: `application_names`, `action_data.application_name`. */
export const APPLICATIONS_PATH = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/;

/** The rule `applications` of a published event follow (src/schemas/common.ts ApplicationName), at most 100. */
const APPLICATION_NAME = /^[^\s,]{1,128}$/;
const MAX_APPLICATIONS = 100;

export type PayloadApplications = { ok: true; applications: string[] | null } | { ok: false; message: string };

/**
 * The applications at `path` in `payload`: a string is one application, an array of strings several
 * (duplicates dropped). Nothing there (absent or null) means none named: null, as an event published
 * without `applications`. Anything else is an error the producer should hear about (422), not a
 * silently unscoped event.
 */
export function applicationsAt(payload: Record<string, unknown>, path: string): PayloadApplications {
  let value: unknown = payload;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value, key)) return { ok: true, applications: null };
    value = (value as Record<string, unknown>)[key];
  }
  if (value === null || value === undefined) return { ok: true, applications: null };
  const names = typeof value === "string" ? [value] : value;
  if (!Array.isArray(names) || !names.every((n): n is string => typeof n === "string" && APPLICATION_NAME.test(n))) {
    return { ok: false, message: `payload.${path} must be an application name or a list of them (1 to 128 characters, no spaces or commas)` };
  }
  const unique = [...new Set(names)];
  if (unique.length > MAX_APPLICATIONS) return { ok: false, message: `payload.${path} names ${unique.length} applications; an event concerns at most ${MAX_APPLICATIONS}` };
  return { ok: true, applications: unique };
}
