import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { catalogCommands } from "./catalog";
import type { Command, OptionSpec } from "./command";
import { clientFor, DEFAULT_URL, resolveConnection, type Connection } from "./connection";
import { deliveryCommands } from "./deliveries";
import { describeError } from "./errors";
import { EXIT, UsageError } from "./exit";
import { err, indent, out, style } from "./format";
import { hookCommands } from "./hooks";
import { keyCommands } from "./keys";
import { initCommand } from "./init";
import { listenCommand, tunnelsCommand } from "./listen";
import { publishCommands } from "./publish";
import { replayCommand } from "./replay";

// The `hookrouter` command line: finds the command, parses its flags, runs it, and turns every
// failure into a message and an exit code (never a stack trace; HOOKROUTER_DEBUG=1 adds one).

const COMMANDS: Command[] = [initCommand, listenCommand, tunnelsCommand, ...publishCommands, replayCommand, ...hookCommands, ...deliveryCommands, ...catalogCommands, ...keyCommands];

const GLOBAL_OPTIONS: OptionSpec = {
  url: { type: "string" },
  "api-key": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

const GLOBAL_HELP = [
  `--url URL        the router (default: HOOKROUTER_URL, the saved config, or ${DEFAULT_URL})`,
  "--api-key KEY    an account API key (default: HOOKROUTER_API_KEY, or the key saved by `hookrouter init`)",
  "--json           machine-readable output",
].join("\n");

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.words.join(" ").length));
  return [
    `${style.bold("hookrouter")} ${version()}: the command line of the hookrouter webhook router`,
    "",
    "Usage: hookrouter <command> [arguments] [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.words.join(" ").padEnd(width)}  ${c.summary}`),
    "",
    "Options for every command:",
    indent(GLOBAL_HELP),
    "",
    "Start with `npm run dev` in one terminal, then `npx hookrouter init` in another.",
    "Run `hookrouter <command> --help` for a command's options.",
  ].join("\n");
}

function commandHelp(c: Command): string {
  return [
    `${style.bold(`hookrouter ${c.words.join(" ")}`)}: ${c.summary}`,
    "",
    `Usage: hookrouter ${c.usage}`,
    ...(c.details ? ["", indent(c.details)] : []),
    "",
    "Options for every command:",
    indent(GLOBAL_HELP),
  ].join("\n");
}

function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  const matches = COMMANDS.filter((c) => c.words.every((w, i) => argv[i] === w));
  const best = matches.sort((a, b) => b.words.length - a.words.length)[0];
  return best ? { command: best, rest: argv.slice(best.words.length) } : null;
}

/** Moves options given before the command (`hookrouter --url X hooks list`) behind it. */
function commandFirst(argv: string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length && /^--(url|api-key|json)(=|$)/.test(argv[i]!)) {
    const takesValue = !argv[i]!.includes("=") && argv[i] !== "--json";
    leading.push(...argv.slice(i, i + (takesValue ? 2 : 1)));
    i += takesValue ? 2 : 1;
  }
  return [...argv.slice(i), ...leading];
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(rawArgv: string[]): Promise<number> {
  const argv = commandFirst(rawArgv);
  if (argv.length === 0 || argv[0] === "help" || argv[0] === "--help" || argv[0] === "-h") {
    const topic = argv[0] === "help" ? findCommand(argv.slice(1)) : null;
    out(topic ? commandHelp(topic.command) : overview());
    return EXIT.ok;
  }
  if (argv[0] === "--version" || argv[0] === "-v") {
    out(version());
    return EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.words[0] === argv[0]);
    if (group.length && (argv.length === 1 || argv[1]!.startsWith("-"))) {
      out(`Usage:\n${group.map((c) => `  hookrouter ${c.usage}`).join("\n")}`);
      return argv.length === 1 || argv.includes("--help") || argv.includes("-h") ? EXIT.ok : EXIT.usage;
    }
    err(`${style.red("error:")} unknown command "${argv.slice(0, group.length ? 2 : 1).join(" ")}"`);
    err(group.length ? `Usage:\n${group.map((c) => `  hookrouter ${c.usage}`).join("\n")}` : "Run `hookrouter --help` for the list of commands.");
    return EXIT.usage;
  }

  const { command, rest } = found;
  const name = command.words.join(" ");
  let conn: Connection | null = null;
  try {
    const parsed = parseFlags(command, rest);
    if (parsed.values.help) {
      out(commandHelp(command));
      return EXIT.ok;
    }
    const { min, max, names } = command.positionals;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new UsageError(
        parsed.positionals.length < min ? `missing ${names}` : `unexpected argument "${parsed.positionals[max]}"`,
        `Usage: hookrouter ${command.usage}`,
      );
    }
    conn = resolveConnection({ url: parsed.values.url as string | undefined, "api-key": parsed.values["api-key"] as string | undefined });
    return await command.run({ args: parsed.positionals, flags: parsed.values, json: parsed.values.json === true, conn, api: clientFor(conn) });
  } catch (error) {
    const { lines, code } = describeError(error, conn, name);
    for (const l of lines) err(l);
    return code;
  }
}

function parseFlags(command: Command, args: string[]) {
  try {
    return parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (e) {
    // parseArgs explains unknown flags and missing values well; drop its advice about "--" for a positional.
    const message = (e as Error).message.split(/;|\. To specify/)[0]!.replace(/^Unknown option/, "unknown option");
    throw new UsageError(message);
  }
}
