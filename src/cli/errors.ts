import { HookrouterApiError, HookrouterConnectionError } from "../client";
import type { Connection } from "./connection";
import { EXIT, UsageError } from "./exit";
import { style } from "./format";


/**
 * What the user reads instead of a stack trace: one line saying what went wrong, then what to do.
 * Returns the lines and the exit code.
 */
export function describeError(error: unknown, conn: Connection | null, command: string): { lines: string[]; code: number } {
  if (error instanceof UsageError) {
    return { lines: [`${style.red("error:")} ${error.message}`, ...(error.hint ? [error.hint] : [`Run \`hookrouter ${command} --help\` for usage.`])], code: EXIT.usage };
  }
  if (error instanceof HookrouterConnectionError) {
    const why =
      error.code === "ECONNREFUSED"
        ? "connection refused"
        : error.code === "ENOTFOUND" || error.code === "EAI_AGAIN"
          ? "unknown host"
          : error.code ?? "network error";
    return {
      lines: [
        `${style.red("error:")} cannot reach hookrouter at ${error.url}: ${why}.`,
        "Is the router running? Start it with `npm run dev`, or point the CLI at it with --url or HOOKROUTER_URL.",
      ],
      code: EXIT.failed,
    };
  }
  if (error instanceof HookrouterApiError) {
    const head = `${style.red("error:")} ${error.message} ${style.dim(`(${error.status} ${error.code})`)}`;
    // The API often repeats a single detail in its message; list details only when they add something.
    const details = error.details.filter((d) => !error.message.includes(d.message)).map((d) => `  - ${d.path ? `${d.path}: ` : ""}${d.message}`);
    return { lines: [head, ...details, ...hintFor(error, conn)], code: EXIT.failed };
  }
  if (error instanceof Error) {
    const lines = [`${style.red("error:")} ${error.message}`];
    if (process.env.HOOKROUTER_DEBUG) lines.push(error.stack ?? "");
    return { lines, code: EXIT.failed };
  }
  return { lines: [`${style.red("error:")} ${String(error)}`], code: EXIT.failed };
}

function hintFor(error: HookrouterApiError, conn: Connection | null): string[] {
  if (error.status === 401) {
    const given =
      conn?.keySource === "none" || !conn ? "No API key was given." : `The API key from ${conn.keySource} was refused by ${conn.url}.`;
    return [given, "Pass --api-key or set HOOKROUTER_API_KEY; against a local `npm run dev` router, `npx hookrouter init` creates and saves one."];
  }
  if (error.status === 403 && error.code === "insufficient_scope") {
    return [`The API key${conn ? ` from ${conn.keySource}` : ""} lacks that scope: use a key that holds it (\`hookrouter keys list\` shows each key's scopes).`];
  }
  if (error.status === 404 && error.message.startsWith("no route for")) {
    return [`${conn?.url ?? "The router"} does not have this route: is it an older hookrouter, or not hookrouter at all?`];
  }
  if (error.status === 422 && /private|loopback|link-local/i.test(error.message)) {
    return ["The router refuses local addresses as targets. For local development, set ALLOW_PRIVATE_TARGETS=true in .dev.vars and restart `npm run dev`."];
  }
  return [];
}
