// Outbound URL guard against server-side request forgery. Pure: it judges the URL text only.
// The WHATWG URL parser already normalises every IPv4 literal form (decimal 2130706433, hex
// 0x7f000001, short 127.1, octal 0177.0.0.1, percent-encoded, fullwidth digits) to dotted quads and
// IPv6 to its compressed hex form, so the checks below see one form of each. Refused: every range of
// the IANA IPv4 and IPv6 special-purpose registries (judging an embedded IPv4 address where a
// translator or tunnel would reach it), multicast, and the local names. Names are not resolved
// (Workers cannot pin DNS answers; SECURITY.md says what that leaves open); redirects are never
// followed at send time, which closes the other door.

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

const BLOCKED_NAMES = new Set(["localhost", "metadata.google.internal", "metadata", "instance-data"]);

export function checkOutboundUrl(raw: string, allowPrivate = false): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not a valid absolute URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, reason: "only http and https URLs are allowed" };
  if (url.username || url.password) return { ok: false, reason: "credentials in the URL are not allowed; use headers or the signing secret" };
  if (allowPrivate) return { ok: true, url };
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (host === "") return { ok: false, reason: "the URL has no host" };
  if (BLOCKED_NAMES.has(host) || host.endsWith(".localhost")) return { ok: false, reason: `host ${host} is a local name` };
  if (host.startsWith("[")) {
    const v6 = parseIPv6(host.slice(1, -1));
    if (!v6) return { ok: false, reason: "malformed IPv6 address" };
    const why = blockedIPv6(v6);
    return why ? { ok: false, reason: `address ${host} is ${why}` } : { ok: true, url };
  }
  const v4 = parseIPv4(host);
  if (v4 !== null) {
    const why = blockedIPv4(v4);
    return why ? { ok: false, reason: `address ${host} is ${why}` } : { ok: true, url };
  }
  return { ok: true, url };
}

/** Dotted-quad IPv4 (as the URL parser leaves it) to a 32-bit number, or null. */
export function parseIPv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

/**
 * Every range of the IANA IPv4 Special-Purpose Address Registry, plus multicast: none is a public
 * receiver's address, including the few the registry calls globally reachable (AS112, AMT, the
 * 6to4 relay anycast), which no webhook receiver lives at. The first match names the refusal.
 */
const V4_BLOCKS: ReadonlyArray<readonly [base: string, bits: number, why: string]> = [
  ["0.0.0.0", 8, "an unspecified (\"this network\") address"],
  ["10.0.0.0", 8, "a private address"],
  ["100.64.0.0", 10, "a carrier-grade NAT address"],
  ["127.0.0.0", 8, "a loopback address"],
  ["169.254.0.0", 16, "a link-local or metadata address"],
  ["172.16.0.0", 12, "a private address"],
  ["192.0.0.0", 24, "an IETF protocol address"],
  ["192.0.2.0", 24, "a documentation address"],
  ["192.31.196.0", 24, "an AS112 address"],
  ["192.52.193.0", 24, "an AMT address"],
  ["192.88.99.0", 24, "a 6to4 relay anycast address"],
  ["192.168.0.0", 16, "a private address"],
  ["192.175.48.0", 24, "an AS112 address"],
  ["198.18.0.0", 15, "a benchmarking address"],
  ["198.51.100.0", 24, "a documentation address"],
  ["203.0.113.0", 24, "a documentation address"],
  ["224.0.0.0", 4, "a multicast address"],
  ["255.255.255.255", 32, "the broadcast address"],
  ["240.0.0.0", 4, "a reserved address"],
];

const V4_RANGES = V4_BLOCKS.map(([base, bits, why]) => ({ first: parseIPv4(base)!, size: 2 ** (32 - bits), why }));

export function blockedIPv4(ip: number): string | null {
  return V4_RANGES.find((r) => ip >= r.first && ip < r.first + r.size)?.why ?? null;
}

/** IPv6 text (no brackets) to eight 16-bit groups, or null. Accepts an embedded dotted IPv4 tail. */
export function parseIPv6(text: string): number[] | null {
  let s = text.toLowerCase();
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  const lastColon = s.lastIndexOf(":");
  const last = s.slice(lastColon + 1);
  if (last.includes(".")) {
    // Rewrite an embedded dotted IPv4 tail (::ffff:127.0.0.1) as two hex groups.
    const v4 = parseIPv4(last);
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parse = (h: string) => (h === "" ? [] : h.split(":"));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const groups: number[] = [];
  for (const g of [...head, ...rest]) if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
  const total = head.length + rest.length;
  if (halves.length === 1 && total !== 8) return null;
  if (halves.length === 2 && total > 7) return null;
  groups.push(...head.map((g) => parseInt(g, 16)));
  if (halves.length === 2) for (let i = 0; i < 8 - total; i++) groups.push(0);
  groups.push(...rest.map((g) => parseInt(g, 16)));
  return groups.length === 8 ? groups : null;
}

/**
 * Ranges whose address embeds an IPv4 address that a translator or tunnel would reach: judged by
 * that IPv4 address (`at`: the 16-bit groups holding it). 64:ff9b::/96 and 6to4 to a public IPv4
 * address are public; to a private one they are not.
 */
const V6_EMBEDDING: ReadonlyArray<readonly [prefix: string, bits: number, at: number]> = [
  ["::ffff:0:0", 96, 6], // IPv4-mapped ::ffff:a.b.c.d
  ["::ffff:0:0:0", 96, 6], // IPv4-translated ::ffff:0:a.b.c.d (SIIT)
  ["64:ff9b::", 96, 6], // NAT64 well-known prefix
  ["2002::", 16, 1], // 6to4 2002:AABB:CCDD::
];

/**
 * Every other range of the IANA IPv6 Special-Purpose Address Registry, plus multicast, the
 * deprecated site-local range and the rest of ::/8. The first match names the refusal.
 */
const V6_BLOCKS: ReadonlyArray<readonly [prefix: string, bits: number, why: string]> = [
  ["::", 128, "an unspecified address"],
  ["::1", 128, "a loopback address"],
  ["::", 96, "an IPv4-compatible address"], // ::a.b.c.d, deprecated: judged as reserved whatever it embeds
  ["64:ff9b:1::", 48, "a local-use IPv4/IPv6 translation address"],
  ["100::", 64, "a discard-only address"],
  ["100:0:0:1::", 64, "a dummy address"],
  ["2001::", 32, "a Teredo address"],
  ["2001:2::", 48, "a benchmarking address"],
  ["2001:10::", 28, "an ORCHID address"],
  ["2001:20::", 28, "an ORCHIDv2 address"],
  ["2001::", 23, "an IETF protocol address"],
  ["2001:db8::", 32, "a documentation address"],
  ["2620:4f:8000::", 48, "an AS112 address"],
  ["3fff::", 20, "a documentation address"],
  ["5f00::", 16, "a segment routing address"],
  ["fc00::", 7, "a unique-local (private) address"],
  ["fe80::", 10, "a link-local address"],
  ["fec0::", 10, "a site-local address"],
  ["ff00::", 8, "a multicast address"],
  ["::", 8, "a reserved address"], // last: 64:ff9b:1::/48 lies within it
];

const inPrefix = (groups: number[], prefix: number[], bits: number): boolean =>
  prefix.every((p, i) => {
    const take = Math.max(0, Math.min(16, bits - 16 * i));
    const mask = take === 0 ? 0 : (0xffff << (16 - take)) & 0xffff;
    return (groups[i]! & mask) === (p & mask);
  });

const V6_EMBEDDING_RANGES = V6_EMBEDDING.map(([prefix, bits, at]) => ({ prefix: parseIPv6(prefix)!, bits, at }));
const V6_RANGES = V6_BLOCKS.map(([prefix, bits, why]) => ({ prefix: parseIPv6(prefix)!, bits, why }));

export function blockedIPv6(g: number[]): string | null {
  // ::ffff:a.b.c.d is matched by the first row below, before ::/8 would refuse it as reserved.
  const embedding = V6_EMBEDDING_RANGES.find((r) => inPrefix(g, r.prefix, r.bits));
  if (embedding) return blockedIPv4(g[embedding.at]! * 65536 + g[embedding.at + 1]!);
  return V6_RANGES.find((r) => inPrefix(g, r.prefix, r.bits))?.why ?? null;
}
