import type { ParseArgsConfig } from "node:util";
import type { HookrouterClient } from "../client";
import type { Connection } from "./connection";
import { EXIT, UsageError } from "./exit";
import { out, printJson, style, table, type Cell } from "./format";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;
export type FlagValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface CommandContext {
  /** Positional arguments after the command words. */
  args: string[];
  flags: FlagValues;
  json: boolean;
  conn: Connection;
  api: HookrouterClient;
}

/** One CLI command: its words ("hooks list"), its help text, its own flags, and what it does. */
export interface Command {
  words: string[];
  summary: string;
  /** Usage line(s) after `hookrouter `, and an optional longer description of the flags. */
  usage: string;
  details?: string;
  options: OptionSpec;
  positionals: { min: number; max: number; names: string };
  run(ctx: CommandContext): Promise<number>;
}

// Accessors that turn parseArgs' loose values into what a command expects, or a UsageError.

export function str(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" ? v : undefined;
}

export function list(flags: FlagValues, name: string): string[] | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const items = (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(",")).map((s) => s.trim()).filter(Boolean);
  return items;
}

export function bool(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}

export function int(flags: FlagValues, name: string, range: { min: number; max: number }): number | undefined {
  const v = str(flags, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < range.min || n > range.max) throw new UsageError(`--${name} must be a whole number from ${range.min} to ${range.max}, not "${v}"`);
  return n;
}

export function oneOf<T extends string>(flags: FlagValues, name: string, values: readonly T[]): T | undefined {
  const v = str(flags, name);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${values.join(", ")}, not "${v}"`);
  return v as T;
}

/** Path parameters go into the URL as they are (hc does not encode them). */
export const seg = (s: string) => encodeURIComponent(s);

/** A command that takes one id, makes one call and prints its answer (the API's JSON with --json). */
export function byIdCommand<T>(spec: {
  words: string[];
  summary: string;
  idName: string;
  call: (api: HookrouterClient, id: string) => Promise<T>;
  show: (answer: T) => string;
}): Command {
  return {
    words: spec.words,
    summary: spec.summary,
    usage: `${spec.words.join(" ")} ${spec.idName} [--json]`,
    options: {},
    positionals: { min: 1, max: 1, names: spec.idName },
    async run({ api, args, json }) {
      const answer = await spec.call(api, seg(args[0]!));
      if (json) printJson(answer);
      else out(spec.show(answer));
      return EXIT.ok;
    },
  };
}

/** `--limit` and `--cursor`, as every list route takes them. */
export const PAGE_OPTIONS: OptionSpec = { limit: { type: "string" }, cursor: { type: "string" } };

export function pageQuery(flags: FlagValues): { limit?: string; cursor?: string } {
  return { limit: int(flags, "limit", { min: 1, max: 100 })?.toString(), cursor: str(flags, "cursor") };
}

/** A page of a list route: its JSON, or a table and how to get the next page. */
export function printPage<T>(
  page: { data: T[]; next_cursor: string | null },
  json: boolean,
  view: { command: string; noun: string; headers: string[]; row: (item: T) => Cell[] },
): number {
  if (json) printJson(page);
  else if (page.data.length === 0) out(`no ${view.noun}`);
  else {
    out(table(view.headers, page.data.map(view.row)));
    if (page.next_cursor) out(style.dim(`more: hookrouter ${view.command} --cursor ${page.next_cursor}`));
  }
  return EXIT.ok;
}
