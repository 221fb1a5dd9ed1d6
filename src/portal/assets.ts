import api from "../portal/static/api.mjs";
import app from "../portal/static/app.mjs";
import catalog from "../portal/static/catalog.mjs";
import chart from "../portal/static/chart.mjs";
import deliveries from "../portal/static/deliveries.mjs";
import hookForm from "../portal/static/hook-form.mjs";
import hooks from "../portal/static/hooks.mjs";
import overview from "../portal/static/overview.mjs";
import css from "../portal/static/portal.css";
import ui from "../portal/static/ui.mjs";

// The portal page's files, served by the Worker itself (src/routes/portal-page.ts). They are plain
// browser ES modules with no build step, bundled as text by the [[rules]] in wrangler.toml.

const JS = "text/javascript; charset=utf-8";

export const PORTAL_ASSETS: Record<string, { body: string; type: string }> = {
  "api.mjs": { body: api, type: JS },
  "app.mjs": { body: app, type: JS },
  "catalog.mjs": { body: catalog, type: JS },
  "chart.mjs": { body: chart, type: JS },
  "deliveries.mjs": { body: deliveries, type: JS },
  "hook-form.mjs": { body: hookForm, type: JS },
  "hooks.mjs": { body: hooks, type: JS },
  "overview.mjs": { body: overview, type: JS },
  "ui.mjs": { body: ui, type: JS },
  "portal.css": { body: css, type: "text/css; charset=utf-8" },
};

export const PORTAL_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>hookrouter portal</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/portal/portal.css">
<script type="module" src="/portal/app.mjs"></script>
</head>
<body>
<header><h1>hook<span>router</span> portal</h1><nav id="nav"></nav><div id="session"></div></header>
<main id="main"><noscript>The portal needs JavaScript.</noscript></main>
<div id="messages" aria-live="polite"></div>
</body>
</html>
`;
