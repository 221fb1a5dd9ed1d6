import { createRoute, z } from "@hono/zod-openapi";
import { bytesToBase64, utf8 } from "../crypto/encoding";
import { findAccount } from "../db/accounts";
import { frameAncestorsDirective, logoOrigin, type PortalSettings } from "../domain/portal-settings";
import { ApiError } from "../errors";
import { auth, newRouter } from "../http/route";
import { PORTAL_ASSETS, PORTAL_HTML, portalHtml } from "../portal/assets";

// The portal page and its files. They hold no data and need no credentials: everything the page
// shows comes from the API, called by the page with a portal session token (POST /v1/portal-sessions).
// The policy below lets the page load only its own files and call only this origin: no inline script,
// no eval, no third-party anything, and no other site can frame it, unless the account named by
// `?account=` allows origins to (its portal settings, PATCH /v1/account): then those origins may frame
// it, its title and logo show, and its accent colour comes in one inline style allowed by its hash.

function portalCsp(settings: PortalSettings | null, styleHash: string | null): string {
  const logo = logoOrigin(settings);
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self'${styleHash ? ` '${styleHash}'` : ""}`,
    `img-src 'self' data:${logo ? ` ${logo}` : ""}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    frameAncestorsDirective(settings),
  ].join("; ");
}

const PORTAL_CSP = portalCsp(null, null);

const tags = ["Portal"];
const PAGE_IS_PUBLIC =
  "the page and its files hold no data: the data comes from the API, with a portal token; `?account=` only adds the look the account chose for its embedded portal (title, accent colour, logo) and the origins that may frame it";
const ACCOUNT_ID = /^acc_[0-9A-Z]{26}$/;

export const portalPageRouter = newRouter();

portalPageRouter.openapi(
  createRoute({
    method: "get",
    path: "/portal",
    tags,
    ...auth.none(PAGE_IS_PUBLIC),
    summary: "The portal page (open the url of POST /v1/portal-sessions)",
    description:
      "With `?account=`, the page as that account's portal settings make it: the origins it allows may frame it (frame-ancestors), with its title, accent colour and logo. " +
      "Without it, or for an account without settings, no site may frame it.",
    request: { query: z.object({ account: z.string().max(64).optional() }) },
    responses: { 200: { description: "The page", content: { "text/html": { schema: z.string() } } } },
  }),
  async (c) => {
    const accountId = c.req.valid("query").account;
    const account = accountId && ACCOUNT_ID.test(accountId) ? await findAccount(c.var.ctx.db, accountId) : undefined;
    const settings = account?.portalSettings ?? null;
    c.header("Cache-Control", "no-store");
    if (!account || !settings) {
      c.header("Content-Security-Policy", PORTAL_CSP);
      return c.html(PORTAL_HTML, 200);
    }
    const style = settings.accent_color ? `:root{--accent:${settings.accent_color}}` : null;
    const styleHash = style ? `sha256-${bytesToBase64(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(style))))}` : null;
    c.header("Content-Security-Policy", portalCsp(settings, styleHash));
    return c.html(portalHtml({ accountId: account.id, title: settings.title, logoUrl: settings.logo_url, style }), 200);
  },
);

portalPageRouter.openapi(
  createRoute({
    method: "get",
    path: "/portal/{file}",
    tags,
    ...auth.none(PAGE_IS_PUBLIC),
    summary: "A file of the portal page (its scripts and style sheet)",
    request: { params: z.object({ file: z.string().max(64) }) },
    responses: {
      200: { description: "The file", content: { "text/javascript": { schema: z.string() }, "text/css": { schema: z.string() } } },
      404: { description: "No such file" },
    },
  }),
  (c) => {
    const asset = Object.hasOwn(PORTAL_ASSETS, c.req.valid("param").file) ? PORTAL_ASSETS[c.req.valid("param").file] : undefined;
    if (!asset) throw ApiError.notFound("portal file");
    c.header("Content-Security-Policy", PORTAL_CSP);
    c.header("Cache-Control", "no-cache");
    return c.body(asset.body, 200, { "Content-Type": asset.type });
  },
);
