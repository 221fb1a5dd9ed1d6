import { describe, expect, it } from "vitest";
import { blockedIPv4, blockedIPv6, checkOutboundUrl, parseIPv4, parseIPv6 } from "../../src/domain/url-guard";
import { REFUSED_URLS } from "../helpers/guarded-urls";


describe("checkOutboundUrl", () => {
  for (const [url, reason] of REFUSED_URLS) {
    it(`refuses ${url}`, () => {
      const verdict = checkOutboundUrl(url);
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) expect(verdict.reason).toMatch(reason);
    });
  }

  for (const url of [
    "https://example.com/webhooks",
    "http://example.com:8080/x?y=1",
    "https://hooks.slack.com/services/T000/B000/XXX",
    "http://8.8.8.8/",
    "http://1.1.1.1/",
    "http://100.63.255.255/", // just below CGNAT
    "http://100.128.0.0/", // just above CGNAT
    "http://172.15.255.255/", // just below 172.16/12
    "http://172.32.0.0/", // just above 172.16/12
    "http://223.255.255.255/", // just below multicast
    "https://[2606:4700:4700::1111]/",
    "https://[2a00:1450:4001:80b::200e]/",
    "http://[2001:200::1]/", // just above 2001::/23
    "http://[2001:db9::1]/", // just above the documentation /32
    "http://[64:ff9b::808:808]/", // NAT64 of 8.8.8.8
    "http://[2002:808:808::1]/", // 6to4 of 8.8.8.8
    "http://[::ffff:8.8.8.8]/", // IPv4-mapped 8.8.8.8
    "http://192.0.1.255/", // just below 192.0.2.0/24
    "http://192.0.3.0/", // just above it
    "http://198.17.255.255/", // just below 198.18.0.0/15
    "http://198.20.0.0/", // just above it
    "http://203.0.114.0/",
    "http://239.255.255.255.example.com/",
    "https://localhost.example.com/", // only the name localhost and its subdomains are local
    "https://mylocalhost/",
    "https://127.0.0.1.nip.io/", // names are not resolved: only literals are judged
  ]) {
    it(`allows the public target ${url}`, () => {
      const verdict = checkOutboundUrl(url);
      expect(verdict).toMatchObject({ ok: true });
    });
  }

  it("ALLOW_PRIVATE_TARGETS lifts the address and name checks", () => {
    for (const url of ["http://127.0.0.1:9999/", "http://localhost:3000/", "http://[::1]/", "http://10.0.0.1/", "http://2130706433/", "http://api.localhost/"]) {
      expect(checkOutboundUrl(url, true).ok).toBe(true);
      expect(checkOutboundUrl(url, false).ok).toBe(false);
    }
  });

  it("keeps refusing schemes and credentials even when private targets are allowed", () => {
    expect(checkOutboundUrl("ftp://localhost/", true)).toMatchObject({ ok: false, reason: expect.stringMatching(/only http and https/) });
    expect(checkOutboundUrl("http://u:p@localhost/", true)).toMatchObject({ ok: false, reason: expect.stringMatching(/credentials/) });
  });

  it("hands back the parsed URL when it is allowed", () => {
    const verdict = checkOutboundUrl("https://Example.com:8443/a/b?c=d");
    expect(verdict.ok).toBe(true);
    if (verdict.ok) {
      expect(verdict.url.hostname).toBe("example.com");
      expect(verdict.url.port).toBe("8443");
    }
  });
});

describe("address parsing", () => {
  it("parses dotted IPv4 and rejects anything else", () => {
    expect(parseIPv4("127.0.0.1")).toBe(2130706433);
    expect(parseIPv4("255.255.255.255")).toBe(2 ** 32 - 1);
    expect(parseIPv4("256.0.0.1")).toBeNull();
    expect(parseIPv4("1.2.3")).toBeNull();
    expect(parseIPv4("a.b.c.d")).toBeNull();
    expect(parseIPv4("example.com")).toBeNull();
  });

  it("parses IPv6 with ::, embedded IPv4 and zone ids", () => {
    expect(parseIPv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("::ffff:127.0.0.1")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6("fe80::1%eth0")).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("2001:db8:0:0:0:0:0:1")).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("1::2::3")).toBeNull();
    expect(parseIPv6("1:2:3")).toBeNull();
    expect(parseIPv6("12345::")).toBeNull();
    expect(parseIPv6("::ffff:300.0.0.1")).toBeNull();
  });

  it("classifies the edges of each IPv4 block", () => {
    expect(blockedIPv4(parseIPv4("9.255.255.255")!)).toBeNull();
    expect(blockedIPv4(parseIPv4("10.0.0.0")!)).toMatch(/private/);
    expect(blockedIPv4(parseIPv4("10.255.255.255")!)).toMatch(/private/);
    expect(blockedIPv4(parseIPv4("11.0.0.0")!)).toBeNull();
    expect(blockedIPv4(parseIPv4("192.167.255.255")!)).toBeNull();
    expect(blockedIPv4(parseIPv4("192.169.0.0")!)).toBeNull();
  });

  it("leaves global IPv6 unicast alone", () => {
    expect(blockedIPv6(parseIPv6("2606:4700::1111")!)).toBeNull();
    expect(blockedIPv6(parseIPv6("::ffff:8.8.8.8")!)).toBeNull();
  });
});
