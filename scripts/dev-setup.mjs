// `npm run dev` runs this first (the `predev` script). It creates `.dev.vars` (git-ignored), the
// file wrangler reads local secrets from, when it is missing: a generated ADMIN_TOKEN and
// ENCRYPTION_KEY, and ALLOW_PRIVATE_TARGETS=true so hooks may target receivers on this machine
// (`npx hookrouter listen`), which production refuses. An existing file is never changed.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const file = new URL("../.dev.vars", import.meta.url);

if (!existsSync(file)) {
  const lines = [
    "# Local development only, created by scripts/dev-setup.mjs (npm run dev). Never commit this file.",
    `ADMIN_TOKEN=${randomBytes(24).toString("base64url")}`,
    `ENCRYPTION_KEY=${randomBytes(32).toString("base64")}`,
    "ALLOW_PRIVATE_TARGETS=true",
    "",
  ];
  writeFileSync(file, lines.join("\n"), { mode: 0o600 });
  console.log("Created .dev.vars with a new ADMIN_TOKEN and ENCRYPTION_KEY for local development.");
}

const token = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(file, "utf8"))?.[1]?.trim();
console.log(token ? `Admin token (from .dev.vars): ${token}` : "Warning: .dev.vars has no ADMIN_TOKEN; account administration will answer 401.");
console.log("In another terminal: npx hookrouter init   (creates an account and an API key for the CLI)");
