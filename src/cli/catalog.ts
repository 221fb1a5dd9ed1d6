import { readFile } from "node:fs/promises";
import { unwrap, type EventTypePut } from "../client";
import { bool, seg, type Command } from "./command";
import { EXIT, UsageError } from "./exit";
import { out, printJson, style, table } from "./format";

// `hookrouter catalog import FILE` puts the event types of a catalog file into the account's
// event-type catalog (one PUT /v1/event-types/{name} each, so importing twice changes nothing);
// `hookrouter catalog list` shows the catalog. The seed systems' catalogs are in examples/catalogs/.

/** A catalog file: `{"event_types": [{"name", "description"?, "application_level"?, "applications_path"?}]}`. */
interface CatalogEntry extends EventTypePut {
  name: string;
}

const ENTRY_FIELDS = new Set(["name", "description", "application_level", "applications_path"]);

/** The file's entries, checked for shape here (the router checks the values); a bad file is a usage error naming the entry. */
export function parseCatalog(text: string, from: string): CatalogEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${from} is not valid JSON: ${(e as Error).message}`);
  }
  const entries = (parsed as { event_types?: unknown } | null)?.event_types;
  if (!Array.isArray(entries)) throw new UsageError(`${from} has no "event_types" list`, 'A catalog file is {"event_types": [{"name": "job_run.failed", "application_level": true}, …]}; see examples/catalogs/.');
  const seen = new Set<string>();
  return entries.map((e: unknown, i) => {
    const where = `${from}: event_types[${i}]`;
    if (typeof e !== "object" || e === null || Array.isArray(e)) throw new UsageError(`${where} is not an object`);
    const entry = e as Record<string, unknown>;
    if (typeof entry.name !== "string" || entry.name === "") throw new UsageError(`${where} has no "name"`);
    const unknown = Object.keys(entry).filter((k) => !ENTRY_FIELDS.has(k));
    if (unknown.length) throw new UsageError(`${where} (${entry.name}) has unknown field(s): ${unknown.join(", ")}`, `Fields: ${[...ENTRY_FIELDS].join(", ")}.`);
    if (seen.has(entry.name)) throw new UsageError(`${where}: "${entry.name}" appears twice`);
    seen.add(entry.name);
    return entry as unknown as CatalogEntry;
  });
}

const catalogImport: Command = {
  words: ["catalog", "import"],
  summary: "Put a catalog file's event types into the account's event-type catalog",
  usage: "catalog import FILE [--dry-run] [--json]",
  details: [
    "FILE        a catalog file: {\"event_types\": [{\"name\", \"description\", \"application_level\", \"applications_path\"}, …]}",
    "            (the seed systems' catalogs: examples/catalogs/vydon.json, mlflow.json, huskar.json, ccx.json)",
    "--dry-run   check the file and list what would be imported, change nothing",
    "",
    "Each type is created or updated; types already in the catalog but not in the file are kept.",
    "Once an account has a catalog, hooks may only subscribe to cataloged types and events must use one.",
  ].join("\n"),
  options: { "dry-run": { type: "boolean" } },
  positionals: { min: 1, max: 1, names: "FILE" },
  async run({ api, args, flags, json }) {
    const path = args[0]!;
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const entries = parseCatalog(text, path);
    const imported = [];
    if (!bool(flags, "dry-run")) {
      for (const { name, ...fields } of entries) {
        try {
          imported.push(await unwrap(api.v1["event-types"][":name"].$put({ param: { name: seg(name) }, json: fields })));
        } catch (e) {
          if (e instanceof Error) e.message = `${name}: ${e.message} (${imported.length} of ${entries.length} imported before it)`;
          throw e;
        }
      }
    }
    if (json) return printJson({ imported: imported.length, event_types: bool(flags, "dry-run") ? entries : imported }), EXIT.ok;
    out(
      table(
        ["EVENT TYPE", "APPLICATION LEVEL", "APPLICATIONS FROM"],
        entries.map((e) => [e.name, e.application_level === false ? "no" : "yes", e.applications_path ? `payload.${e.applications_path}` : null]),
      ),
    );
    out(bool(flags, "dry-run") ? style.dim(`${entries.length} event types checked; nothing imported (--dry-run)`) : `${style.green("✔")} imported ${imported.length} event types from ${path}`);
    return EXIT.ok;
  },
};

const catalogList: Command = {
  words: ["catalog", "list"],
  summary: "Show the account's event-type catalog",
  usage: "catalog list [--built-in] [--json]",
  options: { "built-in": { type: "boolean" } },
  positionals: { min: 0, max: 0, names: "" },
  async run({ api, flags, json }) {
    // --built-in: hookrouter's own operational event types (hookrouter.*) after the account's.
    const catalog = await unwrap(api.v1["event-types"].$get(bool(flags, "built-in") ? { query: { include_built_in: "true" } } : {}));
    if (json) return printJson(catalog), EXIT.ok;
    if (catalog.data.length === 0) out("no catalog: hooks may subscribe to any event name (import one with `hookrouter catalog import FILE`)");
    else {
      out(
        table(
          ["EVENT TYPE", "APPLICATION LEVEL", "APPLICATIONS FROM", "DESCRIPTION"],
          catalog.data.map((t) => [t.name, t.application_level ? "yes" : "no", t.applications_path ? `payload.${t.applications_path}` : null, t.description]),
        ),
      );
    }
    return EXIT.ok;
  },
};

export const catalogCommands = [catalogImport, catalogList];
