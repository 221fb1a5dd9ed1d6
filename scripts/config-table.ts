import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { ConfigSchema, variableDoc } from "../src/env";

// docs/operations.md's configuration table, generated from src/env.ts's schema: the one place each
// variable, its default and its meaning are stated. `npm run docs:config` rewrites the table;
// test/unit/config-docs.test.ts fails while the document and the schema disagree.

export const CONFIG_DOC = join(import.meta.dirname, "..", "docs", "operations.md");
const START = "<!-- config-table: generated from src/env.ts by `npm run docs:config` -->";
const END = "<!-- /config-table -->";

/** The default a variable takes when unset, as it would be written (before any transform), or undefined for none. */
function inputDefault(schema: z.ZodType): unknown {
  const def = schema.def as { type: string; defaultValue?: unknown; in?: z.ZodType; innerType?: z.ZodType };
  if (def.type === "default" || def.type === "prefault") return def.defaultValue;
  if (def.type === "pipe" && def.in) return inputDefault(def.in);
  return undefined;
}

export function configTable(): string {
  const rows = (Object.keys(ConfigSchema.shape) as Array<keyof typeof ConfigSchema.shape>).map((name) => {
    const { description, secret } = variableDoc(name);
    const d = inputDefault(ConfigSchema.shape[name]);
    const shown = d === undefined ? "—" : d === "" ? "empty" : `\`${String(d)}\``;
    return `| \`${name}\` | ${secret ? "secret" : "var"} | ${shown} | ${description} |`;
  });
  return [START, "| name | kind | default | meaning |", "|---|---|---|---|", ...rows, END].join("\n");
}

/** The document with its table as the schema says it. */
export function documentWithTable(text: string): string {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${CONFIG_DOC} has no ${START} … ${END} block`);
  return text.slice(0, start) + configTable() + text.slice(end + END.length);
}

if (process.argv[1] === import.meta.filename) {
  writeFileSync(CONFIG_DOC, documentWithTable(readFileSync(CONFIG_DOC, "utf8")));
  console.log(`config-table: ${CONFIG_DOC} rewritten`);
}
