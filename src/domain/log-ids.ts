// The ids of the delivery log (src/durable/delivery-log.ts) say where their record lives, so a look-up
// by id needs no index and no directory:
//
//   evt_  TTTTTTTTTT RRRRRRRRRRR 000 SS     event (and gate run: gate_…): time, 55 random bits, shard
//   dlv_  TTTTTTTTTT RRRRRRRRRRR PPP SS     its deliveries: the event's time and random part, the
//                                           delivery's position in the event (1 … 10,000), the shard
//
// All are 26 Crockford base32 characters after the prefix, the shape of a ULID, and sort by time: a
// delivery sorts right after its event's siblings of the same millisecond, in position order. T is
// the log's day partition (UTC), SS the account's log shard; a delivery's event id is its own with
// the position zeroed.

import { ALPHABET, increment } from "./ids";

const RANDOM_CHARS = 11;
/** What two base32 characters hold; an account may use up to MAX_LOG_SHARDS of them. */
export const SHARD_ID_SPACE = 1024;
/**
 * An account-wide listing asks every shard (one subrequest each, within the 1,000 a request may make,
 * with room for the rest of the request): 64 shards are about 32,000 events/s and 640 GB.
 */
export const MAX_LOG_SHARDS = 64;
/** Three base32 characters, minus the event's own 000. */
export const MAX_POSITION = 32 ** 3 - 1;

const ID_PATTERN = /^(evt|dlv|gate)_([0-9A-HJKMNP-TV-Z]{10})([0-9A-HJKMNP-TV-Z]{11})([0-9A-HJKMNP-TV-Z]{3})([0-9A-HJKMNP-TV-Z]{2})$/;

let lastTime = -1;
let lastRandom: number[] = [];

/**
 * Time and random part, monotonic within one millisecond of the isolate (ids of one millisecond still
 * sort in order). The time is never moved: it names the record's day partition.
 */
function stem(now: number): string {
  let random: number[];
  if (now === lastTime) {
    random = increment(lastRandom);
  } else {
    random = Array.from(crypto.getRandomValues(new Uint8Array(RANDOM_CHARS)), (b) => b & 31);
  }
  lastTime = now;
  lastRandom = random;
  return base32(now, 10) + random.map((d) => ALPHABET[d]).join("");
}

function base32(n: number, width: number): string {
  let s = "";
  let t = Math.max(0, Math.floor(n));
  for (let i = 0; i < width; i++) {
    s = ALPHABET[t % 32] + s;
    t = Math.floor(t / 32);
  }
  return s;
}

function decode(s: string): number {
  let n = 0;
  for (const ch of s) n = n * 32 + ALPHABET.indexOf(ch);
  return n;
}

/** A new event (or gate run) id in `shard`. */
export function newLogId(prefix: "evt" | "gate", shard: number, now: number = Date.now()): string {
  return `${prefix}_${stem(now)}000${base32(shard, 2)}`;
}

/** The id of the delivery at `position` (0-based) of an event. */
export function deliveryIdOf(eventId: string, position: number): string {
  return `dlv_${eventId.slice(4, 25)}${base32(position + 1, 3)}${eventId.slice(28)}`;
}

export interface LogIdParts {
  kind: "evt" | "dlv" | "gate";
  shard: number;
  /** The millisecond the record was made: its day is its partition. */
  ms: number;
  /** For a delivery: its event's id and its 0-based position in it. */
  eventId: string;
  position: number;
}

/** What an id says, or null for anything this log did not make (an unknown id is simply not found). */
export function parseLogId(id: string): LogIdParts | null {
  const m = ID_PATTERN.exec(id);
  if (!m) return null;
  const [, kind, time, random, position, shard] = m as unknown as [string, LogIdParts["kind"], string, string, string, string];
  const p = decode(position);
  if ((kind === "dlv") !== p > 0) return null;
  return { kind, shard: decode(shard), ms: decode(time), eventId: kind === "dlv" ? `evt_${time}${random}000${shard}` : id, position: p - 1 };
}

/** The UTC day of a time, as the log names its partitions: `20261202`. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll("-", "");
}

/** The smallest id of any kind made at or after `ms` with this prefix (a bound for time ranges). */
export function lowestIdAt(prefix: "evt" | "dlv" | "gate", ms: number): string {
  return `${prefix}_${base32(ms, 10)}`;
}

/** Items grouped by the log object that holds them, (account, shard); ids this log did not make are left out. */
export function byLogObject<T extends { accountId: string; id: string }>(items: T[]): Array<{ accountId: string; shard: number; items: T[] }> {
  const out = new Map<string, { accountId: string; shard: number; items: T[] }>();
  for (const item of items) {
    const p = parseLogId(item.id);
    if (!p || p.kind !== "dlv") continue;
    const key = `${item.accountId}:${p.shard}`;
    let g = out.get(key);
    if (!g) out.set(key, (g = { accountId: item.accountId, shard: p.shard, items: [] }));
    g.items.push(item);
  }
  return [...out.values()];
}
