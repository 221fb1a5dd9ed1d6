import { createClient, HookrouterApiError, unwrap } from "../client";
import { bool, str, type Command } from "./command";
import { adminTokenFromDevVars, configPath, writeConfig } from "./connection";
import { EXIT, UsageError } from "./exit";
import { fields, out, printJson, style } from "./format";

// `hookrouter init`: the first step against a fresh router. With the ADMIN_TOKEN (found in the
// `.dev.vars` that `npm run dev` writes, so a new user types nothing) it creates an account and an
// API key and saves them to the CLI's config file, so every later command in any terminal works.

export const initCommand: Command = {
  words: ["init"],
  summary: "Create an account and an API key with the admin token, and save them for the other commands",
  usage: "init [--admin-token T] [--name ACCOUNT] [--no-save] [--force] [--json]",
  details: [
    "--admin-token T   the router's ADMIN_TOKEN (default: HOOKROUTER_ADMIN_TOKEN, then ADMIN_TOKEN in ./.dev.vars)",
    "--name ACCOUNT    the new account's name (default \"local\")",
    "--no-save         print the key instead of saving it to the config file",
    "--force           create a new account even when a working key is already saved",
  ].join("\n"),
  options: {
    "admin-token": { type: "string" },
    name: { type: "string", default: "local" },
    "no-save": { type: "boolean" },
    force: { type: "boolean" },
  },
  positionals: { min: 0, max: 0, names: "" },
  async run({ conn, flags, json }) {
    if (!bool(flags, "force") && conn.keySource === "config" && (await keyWorks(conn.url, conn.apiKey!))) {
      if (json) return printJson({ url: conn.url, already_initialised: true, config: configPath() }), EXIT.ok;
      out(`Already set up: the key saved in ${configPath()} works for ${conn.url}.`);
      out(style.dim("(`hookrouter init --force` creates another account and key)"));
      return EXIT.ok;
    }
    const adminToken = str(flags, "admin-token") || process.env.HOOKROUTER_ADMIN_TOKEN || adminTokenFromDevVars();
    if (!adminToken) {
      throw new UsageError(
        "no admin token: pass --admin-token, set HOOKROUTER_ADMIN_TOKEN, or run this in the hookrouter folder after `npm run dev` created .dev.vars",
        "The admin token is the router's ADMIN_TOKEN secret.",
      );
    }
    const admin = createClient({ url: conn.url, apiKey: adminToken });
    const account = await unwrap(admin.v1.accounts.$post({ json: { name: str(flags, "name")! } }));
    const key = await unwrap(admin.v1.accounts[":id"].keys.$post({ param: { id: account.id }, json: { name: "hookrouter CLI" } }));
    const saved = bool(flags, "no-save") ? null : writeConfig({ url: conn.url, api_key: key.key });
    if (json) return printJson({ url: conn.url, account, key, config: saved }), EXIT.ok;
    out(fields([["router", conn.url], ["account", `${account.id} (${account.name})`], ["api key", `${key.key}  ${style.dim("(shown once)")}`]]));
    if (saved) out(`\nSaved to ${saved}: the other commands now use this key for ${conn.url}.`);
    else out(`\nUse it with: export HOOKROUTER_URL=${conn.url} HOOKROUTER_API_KEY=${key.key}`);
    return EXIT.ok;
  },
};

/** Whether the router accepts this key (a wiped local state forgets every key). */
async function keyWorks(url: string, apiKey: string): Promise<boolean> {
  try {
    await unwrap(createClient({ url, apiKey }).v1.hooks.$get({ query: { limit: "1" } }));
    return true;
  } catch (e) {
    if (e instanceof HookrouterApiError && e.status === 401) return false;
    throw e;
  }
}
