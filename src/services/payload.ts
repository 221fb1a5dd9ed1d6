import { utf8 } from "../crypto/encoding";
import { applicationsForKey } from "../domain/api-scopes";
import { applicationsAt } from "../domain/payload-applications";
import { ApiError } from "../errors";

/** The largest payload an event or a gate call accepts, as its JSON text (the request body may be larger: src/app.ts). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** The payload as the JSON text stored and sent; 413 when that is over MAX_PAYLOAD_BYTES. */
export function payloadText(payload: unknown): string {
  const text = JSON.stringify(payload);
  const size = utf8(text).byteLength;
  if (size > MAX_PAYLOAD_BYTES) {
    throw new ApiError(413, "payload_too_large", `the payload is ${size} bytes; at most ${MAX_PAYLOAD_BYTES} (256 KiB) are accepted`);
  }
  return text;
}

/**
 * The applications an event (or a gate call) concerns: those the producer passed, else those its
 * payload names where its cataloged type says (`applications_path`, Huskar's `application_names`);
 * for a key bound to applications, none named is the key's own, and another is refused (403).
 */
export function eventApplications(given: string[] | undefined, applicationsPath: string | null, payload: Record<string, unknown>, keyApplications: string[] | null): string[] | null {
  const bound = applicationsForKey(namedApplications(given, applicationsPath, payload), keyApplications);
  if (!bound.ok) throw ApiError.forbidden(`this API key publishes for the applications ${keyApplications!.join(", ")} only, not ${bound.outside.join(", ")}`, "applications");
  return bound.applications;
}

function namedApplications(given: string[] | undefined, applicationsPath: string | null, payload: Record<string, unknown>): string[] | null {
  if (given !== undefined || applicationsPath === null) return given ?? null;
  const read = applicationsAt(payload, applicationsPath);
  if (!read.ok) throw ApiError.unprocessable(`${read.message} (the catalog reads this type's applications there)`, `payload.${applicationsPath}`);
  return read.applications;
}
