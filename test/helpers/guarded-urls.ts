// Shared by the URL guard's unit test and the hooks API test, so both cover the same forms.

/** Every literal form of a forbidden target the issue names, with what the refusal must say. */
export const REFUSED_URLS: Array<[url: string, reason: RegExp]> = [
  ["http://127.0.0.1/hook", /loopback/],
  ["http://127.10.20.30:8080/", /loopback/],
  ["http://2130706433/", /loopback/], // decimal
  ["http://0x7f000001/", /loopback/], // hex
  ["http://0x7f.0x0.0x0.0x1/", /loopback/], // dotted hex
  ["http://127.1/", /loopback/], // short
  ["http://0177.0.0.1/", /loopback/], // octal
  ["http://017700000001/", /loopback/], // octal, one number
  ["http://127.0.0.1./", /loopback/], // trailing dot
  ["http://[::1]/", /loopback/],
  ["http://[0:0:0:0:0:0:0:1]/", /loopback/],
  ["http://[::ffff:127.0.0.1]/", /loopback/], // IPv4-mapped
  ["http://[::ffff:7f00:1]/", /loopback/],
  ["http://[::ffff:10.0.0.1]/", /private/],
  ["http://[::ffff:169.254.169.254]/", /metadata/],
  ["http://[64:ff9b::a9fe:a9fe]/", /metadata/], // NAT64 of 169.254.169.254
  ["http://[2002:7f00:1::]/", /loopback/], // 6to4 of 127.0.0.1
  ["http://[fe80::1]/", /link-local/],
  ["http://[fe80::]/", /link-local/],
  ["http://[fc00::]/", /unique-local/],
  ["http://[fd12:3456::1]/", /unique-local/],
  ["http://[fd00:ec2::254]/", /unique-local|metadata/],
  ["http://[ff02::1]/", /multicast/],
  ["http://[::]/", /unspecified/],
  ["http://0.0.0.0/", /unspecified/],
  ["http://0/", /unspecified/],
  ["http://10.0.0.1/", /private/],
  ["http://172.16.0.1/", /private/],
  ["http://172.31.255.255/", /private/],
  ["http://192.168.1.1/", /private/],
  ["http://169.254.169.254/latest/meta-data/", /metadata/],
  ["http://169.254.0.1/", /link-local/],
  ["http://100.64.0.1/", /carrier-grade NAT/],
  ["http://100.127.255.254/", /carrier-grade NAT/],
  ["http://224.0.0.1/", /multicast/],
  ["http://239.255.255.250/", /multicast/],
  ["http://255.255.255.255/", /broadcast/],
  ["http://localhost/", /local name/],
  ["http://LOCALHOST:8787/", /local name/],
  ["http://localhost./", /local name/],
  ["http://api.localhost/", /local name/],
  ["http://a.b.localhost./", /local name/],
  ["http://metadata.google.internal/computeMetadata/v1/", /local name/],
  ["https://user:pass@example.com/", /credentials/],
  ["https://user@example.com/", /credentials/],
  ["ftp://example.com/file", /only http and https/],
  ["file:///etc/passwd", /only http and https/],
  ["javascript:alert(1)", /only http and https/],
  ["gopher://example.com/", /only http and https/],
  // Forms the WHATWG URL parser turns into a dotted quad (percent-encoded, fullwidth, mixed octal/short).
  ["http://127%2e0%2e0%2e1/", /loopback/],
  ["http://\uff11\uff12\uff17.0.0.1/", /loopback/],
  ["http://0300.0250.1.1/", /private/],
  ["http://192.168.257/", /private/],
  ["http://0x7f.1/", /loopback/],
  // IPv4 embedded in IPv6.
  ["http://[::ffff:0:127.0.0.1]/", /loopback/], // IPv4-translated (SIIT)
  ["http://[::ffff:0:a9fe:a9fe]/", /metadata/],
  ["http://[::127.0.0.1]/", /IPv4-compatible/],
  ["http://[::8.8.8.8]/", /IPv4-compatible/], // deprecated: refused whatever it embeds
  ["http://[::1:2:3:4]/", /reserved/],
  ["http://[64:ff9b::10.0.0.1]/", /private/],
  ["http://[64:ff9b:1::808:808]/", /local-use IPv4\/IPv6 translation/],
  ["http://[2002:c0a8:101::1]/", /private/], // 6to4 of 192.168.1.1
  ["http://[2002:a9fe:a9fe::]/", /metadata/],
  // IANA special-purpose IPv4 ranges.
  ["http://0.1.2.3/", /unspecified/],
  ["http://192.0.0.8/", /IETF protocol/],
  ["http://192.0.2.1/", /documentation/],
  ["http://198.51.100.77/", /documentation/],
  ["http://203.0.113.255/", /documentation/],
  ["http://198.18.0.1/", /benchmarking/],
  ["http://198.19.255.255/", /benchmarking/],
  ["http://192.88.99.1/", /6to4 relay/],
  ["http://192.31.196.1/", /AS112/],
  ["http://192.175.48.1/", /AS112/],
  ["http://192.52.193.1/", /AMT/],
  ["http://240.0.0.1/", /reserved/],
  ["http://4294967295/", /broadcast/],
  // IANA special-purpose IPv6 ranges.
  ["http://[2001::1]/", /Teredo/],
  ["http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", /Teredo/],
  ["http://[2001:db8::1]/", /documentation/],
  ["http://[2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]/", /documentation/],
  ["http://[3fff::1]/", /documentation/],
  ["http://[2001:2::1]/", /benchmarking/],
  ["http://[2001:10::1]/", /ORCHID/],
  ["http://[2001:20::1]/", /ORCHIDv2/],
  ["http://[2001:1::1]/", /IETF protocol/],
  ["http://[2001:1ff::1]/", /IETF protocol/],
  ["http://[100::1]/", /discard-only/],
  ["http://[100:0:0:1::1]/", /dummy/],
  ["http://[2620:4f:8000::1]/", /AS112/],
  ["http://[5f00::1]/", /segment routing/],
  ["http://[fec0::1]/", /site-local/],
  ["http://[febf:ffff::1]/", /link-local|site-local/],
  ["http://[ff05::2]/", /multicast/],
  ["not a url", /not a valid absolute URL/],
  ["/relative/path", /not a valid absolute URL/],
  ["http://[fe80::1%25eth0]/", /not a valid absolute URL/],
];
