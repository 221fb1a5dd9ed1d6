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
  ["not a url", /not a valid absolute URL/],
  ["/relative/path", /not a valid absolute URL/],
  ["http://[fe80::1%25eth0]/", /not a valid absolute URL/],
];
