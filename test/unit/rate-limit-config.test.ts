import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clientRateLimitKey, RATE_LIMIT_PERIOD_SECONDS, UNKNOWN_CLIENT } from "../../src/http/rate-limit";

// The bindings' window is declared in wrangler.toml and answered as Retry-After by the code: the two
// must agree, or clients would be told to come back too early.
describe("rate limit configuration", () => {
  const toml = readFileSync(path.join(import.meta.dirname, "../../wrangler.toml"), "utf8");

  for (const name of ["API_RATE_LIMITER", "AUTH_RATE_LIMITER", "TUNNEL_RATE_LIMITER"]) {
    it(`declares the ${name} binding with the period the 429 answers advertise`, () => {
      const block = new RegExp(`\\[\\[ratelimits\\]\\]\\s*\\nname\\s*=\\s*"${name}"[^[]*`).exec(toml)?.[0];
      expect(block, `wrangler.toml has no [[ratelimits]] block named ${name}`).toBeDefined();
      const simple = /simple\s*=\s*\{\s*limit\s*=\s*(\d+)\s*,\s*period\s*=\s*(\d+)\s*\}/.exec(block!);
      expect(simple, "the block needs simple = { limit = N, period = 10 }").not.toBeNull();
      expect(Number(simple![2])).toBe(RATE_LIMIT_PERIOD_SECONDS);
      expect(Number(simple![1])).toBeGreaterThan(0);
    });
  }

  it("the three bindings count in namespaces of their own", () => {
    const ids = [...toml.matchAll(/\[\[ratelimits\]\][^[]*?namespace_id\s*=\s*"(\d+)"/g)].map((m) => m[1]);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });
});

describe("client address of the per-address limit", () => {
  it("is CF-Connecting-IP, and one shared fallback budget when the header is missing or blank", () => {
    expect(clientRateLimitKey("203.0.113.7")).toBe("ip:203.0.113.7");
    expect(clientRateLimitKey(" 2001:db8::1 ")).toBe("ip6:2001:db8:0:0::/64");
    expect(clientRateLimitKey(undefined)).toBe(UNKNOWN_CLIENT);
    expect(clientRateLimitKey("  ")).toBe(UNKNOWN_CLIENT);
  });

  it("is an IPv6 client's /64, whatever the spelling, so rotating addresses within it buys no new budget", () => {
    const key = clientRateLimitKey("2001:db8:1:2::1");
    for (const same of ["2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:0db8:0001:0002:0:0:0:7", "2001:DB8:1:2::abcd"]) expect(clientRateLimitKey(same)).toBe(key);
    for (const other of ["2001:db8:1:3::1", "2001:db8:2:2::1", "2001:db9:1:2::1"]) expect(clientRateLimitKey(other)).not.toBe(key);
    expect(clientRateLimitKey("198.51.100.1")).not.toBe(clientRateLimitKey("198.51.100.2"));
  });
});
