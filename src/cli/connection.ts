import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type HookrouterClient } from "../client";
import { UsageError } from "./exit";

// Where the CLI finds the router and its credentials, first match wins:
//   --url / --api-key  →  HOOKROUTER_URL / HOOKROUTER_API_KEY  →  the saved config  →  the local dev server.
// The saved config (written by `hookrouter init`) holds one url and its key; its key is only sent
// to that url, never to a different --url.

export const DEFAULT_URL = "http://127.0.0.1:8787";

export interface Connection {
  url: string;
  apiKey: string | undefined;
  /** Where the key came from, for error messages. */
  keySource: "--api-key" | "HOOKROUTER_API_KEY" | "config" | "none";
}

interface SavedConfig {
  url: string;
  api_key: string;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HOOKROUTER_CONFIG) return env.HOOKROUTER_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "hookrouter", "config.json");
}

function readConfig(env: NodeJS.ProcessEnv = process.env): SavedConfig | null {
  const path = configPath(env);
  if (!existsSync(path)) return null;
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<SavedConfig>;
    return typeof parsed.url === "string" && typeof parsed.api_key === "string" ? { url: parsed.url, api_key: parsed.api_key } : null;
  } catch {
    return null;
  }
}

export function writeConfig(config: SavedConfig, env: NodeJS.ProcessEnv = process.env): string {
  const path = configPath(env);
  mkdirSync(dirname(path), { recursive: true });
  // The file holds a bearer token: readable by its owner only.
  writeFileSync(path, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

function normaliseUrl(url: string): string {
  return url.trim().replace(/\/+$/, "");
}

export function resolveConnection(flags: { url?: string; "api-key"?: string }, env: NodeJS.ProcessEnv = process.env): Connection {
  const saved = readConfig(env);
  const url = normaliseUrl(flags.url || env.HOOKROUTER_URL || saved?.url || DEFAULT_URL);
  if (!/^https?:\/\/[^/\s]+/.test(url)) throw new UsageError(`the router URL must start with http:// or https://, not "${url}"`, "Set it with --url or HOOKROUTER_URL.");
  if (flags["api-key"]) return { url, apiKey: flags["api-key"], keySource: "--api-key" };
  if (env.HOOKROUTER_API_KEY) return { url, apiKey: env.HOOKROUTER_API_KEY, keySource: "HOOKROUTER_API_KEY" };
  if (saved && normaliseUrl(saved.url) === url) return { url, apiKey: saved.api_key, keySource: "config" };
  return { url, apiKey: undefined, keySource: "none" };
}

export function clientFor(conn: { url: string; apiKey?: string }): HookrouterClient {
  return createClient({ url: conn.url, apiKey: conn.apiKey });
}

/**
 * ADMIN_TOKEN from the `.dev.vars` that `npm run dev` writes: the one in the current folder, else the
 * one of the checkout this CLI runs from (so `init` also works from a subfolder).
 */
export function adminTokenFromDevVars(paths = [".dev.vars", fileURLToPath(new URL("../../.dev.vars", import.meta.url))]): string | undefined {
  for (const path of paths) {
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
      const m = /^\s*(?:export\s+)?ADMIN_TOKEN\s*=\s*(.*?)\s*$/.exec(line);
      if (m) return m[1]!.replace(/^(["'])(.*)\1$/, "$2") || undefined;
    }
  }
  return undefined;
}
