// Outbound URL guard against server-side request forgery. Pure: it judges the URL text only.
// The WHATWG URL parser already normalises every IPv4 literal form (decimal 2130706433, hex
// 0x7f000001, short 127.1, octal 0177.0.0.1) to dotted quads, so the checks below see one form.
// Names are not resolved (Workers cannot pin DNS answers); redirects are never followed at send
// time, which closes the other door.

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

const V4_BLOCKS: Array<[string, number, string]> = [
  ["0.0.0.0", 8, "an unspecified address"],
  ["10.0.0.0", 8, "a private address"],
  ["100.64.0.0", 10, "a carrier-grade NAT address"],
  ["127.0.0.0", 8, "a loopback address"],
  ["169.254.0.0", 16, "a link-local or metadata address"],
  ["172.16.0.0", 12, "a private address"],
  ["192.0.0.0", 24, "an IETF protocol address"],
  ["192.168.0.0", 16, "a private address"],
  ["198.18.0.0", 15, "a benchmarking address"],
  ["224.0.0.0", 4, "a multicast address"],
  ["240.0.0.0", 4, "a reserved or broadcast address"],
];

export function blockedIPv4(ip: number): string | null {
  for (const [base, bits, why] of V4_BLOCKS) {
    const b = parseIPv4(base)!;
    const size = 2 ** (32 - bits);
    if (ip >= b && ip < b + size) return why;
  }
  return null;
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

export function blockedIPv6(g: number[]): string | null {
  const [a, b, c, d, e, f, g6, h] = g as [number, number, number, number, number, number, number, number];
  const embeddedV4 = g6 * 65536 + h;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0) {
    if (f === 0 && g6 === 0 && (h === 0 || h === 1)) return h === 1 ? "a loopback address" : "an unspecified address";
    // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (IPv4-compatible) reach the IPv4 address.
    if (f === 0xffff || f === 0) return blockedIPv4(embeddedV4) ?? null;
  }
  if (a === 0x64 && b === 0xff9b) return blockedIPv4(embeddedV4); // NAT64
  if (a === 0x2002) return blockedIPv4(b * 65536 + c); // 6to4
  if ((a & 0xffc0) === 0xfe80) return "a link-local address";
  if ((a & 0xffc0) === 0xfec0) return "a site-local address";
  if ((a & 0xfe00) === 0xfc00) return "a unique-local (private) address";
  if ((a & 0xff00) === 0xff00) return "a multicast address";
  if (a === 0xfd00 && b === 0x0ec2) return "a metadata address";
  return null;
}
