import { randomToken } from "./ids";

// An account's API key: `hrk_` and 40 random base64url characters (30 bytes). Only its SHA-256 is
// stored, with its first characters in the clear: the public prefix a request's key is looked up by
// (one indexed read) before its hash is compared in constant time (src/http/auth.ts).

export const API_KEY_PREFIX = "hrk_";
/** The characters of a key stored in the clear to find it by (the prefix included). */
export const API_KEY_LOOKUP_LENGTH = 12;

/** A new key, to be shown once to whoever asked for it. */
export function newApiKey(): string {
  return API_KEY_PREFIX + randomToken(30);
}

/** The part of a presented token its key is looked up by, or null when it cannot be one of our keys. */
export function apiKeyLookupPrefix(token: string): string | null {
  if (!token.startsWith(API_KEY_PREFIX) || token.length < API_KEY_LOOKUP_LENGTH + 8) return null;
  return token.slice(0, API_KEY_LOOKUP_LENGTH);
}
