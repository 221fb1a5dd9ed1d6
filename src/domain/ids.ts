// Prefixed, time-ordered ids: `hook_` + a 26-character ULID (48-bit millisecond time + 80 random
// bits, Crockford base32). Ids sort by creation time, which is what cursor pagination relies on.
/** Crockford base32. */
export const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export type IdPrefix = "acc" | "key" | "hook" | "evt" | "dlv" | "work" | "gate" | "rpl";

let lastTime = 0;
let lastRandom: number[] = [];

/** A ULID; monotonic within one isolate so ids made in the same millisecond still sort in order. */
export function ulid(now: number = Date.now()): string {
  let random: number[];
  if (now <= lastTime && lastRandom.length === 16) {
    now = lastTime;
    random = increment(lastRandom);
  } else {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    random = Array.from(bytes, (b) => b & 31);
  }
  lastTime = now;
  lastRandom = random;
  return ulidTime(now) + random.map((d) => ALPHABET[d]).join("");
}

/**
 * The 10-character time part of the ULIDs made at `ms`: a bound for time ranges over ULIDs (an id made
 * at or after `ms` sorts at or after it; one made before sorts before it).
 */
export function ulidTime(ms: number): string {
  let time = "";
  let t = Math.max(0, Math.floor(ms));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time;
}

/** The next base32 digit string (the last digit first), for ids made in one millisecond. */
export function increment(digits: number[]): number[] {
  const out = digits.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 31) {
      out[i]! += 1;
      return out;
    }
    out[i] = 0;
  }
  return out;
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid()}`;
}

/** Random url-safe token of `bytes` random bytes (base64url, no padding). */
export function randomToken(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
