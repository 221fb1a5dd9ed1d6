// Custom headers a hook may add to its deliveries. The ones hookrouter sets itself (the signature
// headers, content-type, user-agent) and hop-by-hop ones can never be overridden by a hook.

export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

const RESERVED = new Set(["content-type", "content-length", "user-agent", "host", "connection", "transfer-encoding"]);

export function isReservedHeader(name: string): boolean {
  const n = name.toLowerCase();
  return RESERVED.has(n) || n.startsWith("webhook-") || n.startsWith("svix-") || n.startsWith("cf-") || n.startsWith("x-forwarded-");
}
