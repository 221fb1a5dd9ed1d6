// The embeddable portal's settings of an account: which origins may frame the portal page (CSP
// `frame-ancestors`), and its title, accent colour and logo. Everything here ends up in a response
// header or the page, so every value is checked to a shape that cannot break out of its place: an
// origin has no spaces, quotes, semicolons or commas; a colour is #rgb or #rrggbb; the title is
// escaped as HTML text. With no settings the page stays as locked down as before: frame-ancestors
// 'none', hookrouter's own title and colour, no image but its own.

export interface PortalSettings {
  /** Origins allowed to frame the portal: `https://app.example.com`, `https://*.example.com`, `http://localhost:3000`. */
  frame_ancestors: string[];
  title: string | null;
  /** `#rgb` or `#rrggbb`. */
  accent_color: string | null;
  /** An https image URL (http only for localhost and 127.0.0.1). */
  logo_url: string | null;
}

export const MAX_FRAME_ANCESTORS = 20;
export const MAX_PORTAL_TITLE = 80;
export const DEFAULT_PORTAL_TITLE = "hookrouter portal";

/** A scheme, a host (optionally `*.` + a domain) and an optional port; nothing else. */
const ORIGIN = /^https?:\/\/(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[0-9]{1,5})?$/;
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1"]);

export function frameAncestorProblem(origin: string): string | null {
  if (!ORIGIN.test(origin)) return "an origin is scheme://host[:port] (lowercase, no path), e.g. https://app.example.com or https://*.example.com";
  const url = new URL(origin.replace("*.", "wildcard."));
  if (url.protocol === "http:" && !LOCAL_HOSTS.has(url.hostname)) return "only https origins may frame the portal (http only for localhost and 127.0.0.1)";
  if (url.port && Number(url.port) > 65535) return "not a port";
  return null;
}

export const ACCENT_COLOR = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

export function logoUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "not a URL";
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname))) return "the logo is served over https (http only for localhost and 127.0.0.1)";
  if (url.username || url.password) return "no credentials in the logo's URL";
  // The URL goes into an attribute and its origin into the page's policy: nothing that could end either.
  if (/[\s"'<>;,\\]/.test(value)) return "the URL has characters that must be percent-encoded (spaces, quotes, <, >, ;, ,)";
  return null;
}

/** The CSP `frame-ancestors` source list: the allowed origins, or 'none'. */
export function frameAncestorsDirective(settings: PortalSettings | null): string {
  const list = settings?.frame_ancestors ?? [];
  return `frame-ancestors ${list.length > 0 ? list.join(" ") : "'none'"}`;
}

/** The logo's origin, for the page's `img-src`. */
export function logoOrigin(settings: PortalSettings | null): string | null {
  if (!settings?.logo_url) return null;
  try {
    return new URL(settings.logo_url).origin;
  } catch {
    return null;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
