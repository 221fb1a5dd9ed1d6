import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_DOC, configTable, documentWithTable } from "../../scripts/config-table";
import { ConfigSchema } from "../../src/env";

// The configuration is stated once, in src/env.ts's schema: docs/operations.md's table is generated
// from it, and wrangler.toml does not repeat a default.

describe("configuration stated once", () => {
  it("docs/operations.md's table is the one the schema generates (`npm run docs:config` rewrites it)", () => {
    const text = readFileSync(CONFIG_DOC, "utf8");
    expect(text).toContain(configTable());
    expect(documentWithTable(text)).toBe(text);
  });

  it("wrangler.toml sets no variable to its default, and no secret", () => {
    const toml = readFileSync(path.join(import.meta.dirname, "../../wrangler.toml"), "utf8");
    const vars = /^\[vars\]\n((?:[^[\n][^\n]*\n?)*)/m.exec(toml)?.[1] ?? "";
    const table = configTable();
    for (const line of vars.split("\n")) {
      const m = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*"(.*)"/.exec(line);
      if (!m) continue;
      const [, name, value] = m as unknown as [string, string, string];
      expect(Object.keys(ConfigSchema.shape), `${name} is not a configuration variable`).toContain(name);
      expect(table, `${name} is a secret: wrangler secret put`).not.toContain(`| \`${name}\` | secret |`);
      expect(table, `${name} = "${value}" repeats its default`).not.toContain(`| \`${name}\` | var | \`${value}\` |`);
    }
  });
});
