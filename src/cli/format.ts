// Terminal output helpers: colour only on a terminal (and never with NO_COLOR), aligned tables,
// indented JSON. Everything the CLI prints for people goes through here; `--json` bypasses it.

const useColour = (stream: NodeJS.WriteStream = process.stdout): boolean =>
  process.env.FORCE_COLOR ? process.env.FORCE_COLOR !== "0" : Boolean(stream.isTTY) && !("NO_COLOR" in process.env);

const paint = (code: number) => (s: string) => (useColour() ? `\x1b[${code}m${s}\x1b[0m` : s);

export const style = {
  bold: paint(1),
  dim: paint(2),
  red: paint(31),
  green: paint(32),
  yellow: paint(33),
  cyan: paint(36),
};

export function out(line = ""): void {
  process.stdout.write(line + "\n");
}

export function err(line: string): void {
  process.stderr.write(line + "\n");
}

export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

const visibleLength = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "").length;

export type Cell = string | number | boolean | null | undefined;

/** Columns aligned to their widest cell; `null`/`undefined` print as "-". */
export function table(headers: string[], rows: Cell[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined || c === "" ? "-" : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => visibleLength(r[i] ?? ""))));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c + " ".repeat(widths[i]! - visibleLength(c))))
      .join("  ")
      .trimEnd();
  return [style.bold(line(headers)), ...cells.map(line)].join("\n");
}

/** `key  value` lines with the keys aligned. */
export function fields(pairs: Array<[string, string | number | boolean | null | undefined]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${style.dim(k.padEnd(width))}  ${v === null || v === undefined || v === "" ? "-" : String(v)}`).join("\n");
}

/** Every line of `text` behind `prefix`. */
export function indent(text: string, prefix = "  "): string {
  return text
    .split("\n")
    .map((l) => prefix + l)
    .join("\n");
}

/** Pretty JSON when the text is JSON, the text itself otherwise; each line indented. */
export function prettyBody(text: string): string {
  let pretty = text;
  try {
    pretty = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    /* not JSON: show as received */
  }
  return indent(pretty);
}

export function clock(d = new Date()): string {
  return d.toISOString().slice(11, 23);
}

/** "250ms", "2s", "1.5s", "1m" or a bare number of milliseconds → milliseconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  return Math.round(m[2] === "s" ? n * 1000 : m[2] === "m" ? n * 60_000 : n);
}
