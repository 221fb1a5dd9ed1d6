import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { auth, newRouter } from "../http/route";
import { PORTAL_ASSETS, PORTAL_HTML } from "../portal/assets";

// The portal page and its files. They hold no data and need no credentials: everything the page
// shows comes from the API, called by the page with a portal session token (POST /v1/portal-sessions).
// The policy below lets the page load only its own files and call only this origin: no inline script,
// no eval, no third-party anything, and no other site can frame it.
const PORTAL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const tags = ["Portal"];
const PAGE_IS_PUBLIC = "the page and its files are the same for everyone and hold no data: the data comes from the API, with a portal token";

export const portalPageRouter = newRouter();

portalPageRouter.openapi(
  createRoute({
    method: "get",
    path: "/portal",
    tags,
    ...auth.none(PAGE_IS_PUBLIC),
    summary: "The portal page (open the url of POST /v1/portal-sessions)",
    responses: { 200: { description: "The page", content: { "text/html": { schema: z.string() } } } },
  }),
  (c) => {
    c.header("Content-Security-Policy", PORTAL_CSP);
    c.header("Cache-Control", "no-store");
    return c.html(PORTAL_HTML, 200);
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
