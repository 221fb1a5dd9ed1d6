import api from "../portal/static/api.mjs";
import app from "../portal/static/app.mjs";
import catalog from "../portal/static/catalog.mjs";
import chart from "../portal/static/chart.mjs";
import deliveries from "../portal/static/deliveries.mjs";
import health from "../portal/static/health.mjs";
import hookForm from "../portal/static/hook-form.mjs";
import hooks from "../portal/static/hooks.mjs";
import overview from "../portal/static/overview.mjs";
import css from "../portal/static/portal.css";
import replay from "../portal/static/replay.mjs";
import ui from "../portal/static/ui.mjs";
import { escapeHtml } from "../domain/portal-settings";

// The portal page's files, served by the Worker itself (src/routes/portal-page.ts). They are plain
// browser ES modules with no build step, bundled as text by the [[rules]] in wrangler.toml.

const JS = "text/javascript; charset=utf-8";

export const PORTAL_ASSETS: Record<string, { body: string; type: string }> = {
  "api.mjs": { body: api, type: JS },
  "app.mjs": { body: app, type: JS },
  "catalog.mjs": { body: catalog, type: JS },
  "chart.mjs": { body: chart, type: JS },
  "deliveries.mjs": { body: deliveries, type: JS },
  "health.mjs": { body: health, type: JS },
  "hook-form.mjs": { body: hookForm, type: JS },
  "hooks.mjs": { body: hooks, type: JS },
  "overview.mjs": { body: overview, type: JS },
  "replay.mjs": { body: replay, type: JS },
  "ui.mjs": { body: ui, type: JS },
  "portal.css": { body: css, type: "text/css; charset=utf-8" },
};

export const PORTAL_HTML = portalHtml({ accountId: null, title: null, logoUrl: null, style: null });

/**
 * The page, as an account's portal settings make it (src/domain/portal-settings.ts). Every value is
 * escaped (the title, the logo URL) or of a shape that needs none (an account id, a style of one
 * validated colour, allowed by its hash in the page's policy).
 */
export function portalHtml(p: { accountId: string | null; title: string | null; logoUrl: string | null; style: string | null }): string {
  const title = p.title === null ? "hookrouter portal" : escapeHtml(p.title);
  const heading = p.title === null ? "hook<span>router</span> portal" : title;
  const logo = p.logoUrl === null ? "" : `<img class="logo" src="${escapeHtml(p.logoUrl)}" alt="">`;
  const data = p.accountId === null ? "" : ` data-account="${escapeHtml(p.accountId)}" data-title="${title}"`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/portal/portal.css">
${p.style === null ? "" : `<style>${p.style}</style>\n`}<script type="module" src="/portal/app.mjs"></script>
</head>
<body${data}>
<header>${logo}<h1>${heading}</h1><nav id="nav"></nav><div id="session"></div></header>
<section id="health" class="health-warning" role="alert" hidden></section>
<main id="main"><noscript>The portal needs JavaScript.</noscript></main>
<div id="messages" aria-live="polite"></div>
</body>
</html>
`;
}
