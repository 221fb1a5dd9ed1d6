import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Every relative link of the README and of docs/*.md leads somewhere: the file exists, and an
// `#anchor` names a heading of the file it points into (as GitHub makes heading anchors).

const ROOT = path.join(import.meta.dirname, "../..");
const DOCS = ["README.md", ...readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** The text without fenced code blocks, where a `#` line is no heading. */
function unfenced(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
}

/** The text without code, where a `](…)` is not a link. */
function prose(markdown: string): string {
  return unfenced(markdown).replace(/`[^`\n]*`/g, "");
}

/** Inline links and images `[text](target "title")`, and reference definitions `[label]: target`. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const references = [...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]!);
  return [...inline, ...references];
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, … */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of unfenced(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = m[1]!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/<[^>]+>/g, "");
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]!);
  return anchors;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

describe("documentation links", () => {
  it.each(DOCS)("every relative link of %s resolves, #anchors included", (doc) => {
    const from = path.join(ROOT, doc);
    const broken: string[] = [];
    for (const target of linkTargets(readFileSync(from, "utf8"))) {
      if (isExternal(target)) continue;
      const [file, anchor] = target.split("#") as [string, string | undefined];
      const resolved = file === "" ? from : path.resolve(path.dirname(from), decodeURIComponent(file));
      if (!resolved.startsWith(ROOT) || !existsSync(resolved)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (anchor === undefined || anchor === "") continue;
      if (statSync(resolved).isDirectory() || !resolved.endsWith(".md")) {
        broken.push(`${target}: an anchor into a file that is not markdown`);
        continue;
      }
      if (!headingAnchors(readFileSync(resolved, "utf8")).has(decodeURIComponent(anchor))) broken.push(`${target}: no heading #${anchor}`);
    }
    expect(broken).toEqual([]);
  });

  it("keeps the README a guide (under 15 KB): the manual is docs/", () => {
    expect(statSync(path.join(ROOT, "README.md")).size).toBeLessThan(15 * 1024);
  });

  it("finds links and GitHub's anchors the way the check above relies on", () => {
    expect(linkTargets("see [a](docs/a.md#b-c) and ![p](p.png) `[x](not-a-link)`\n[r]: ../r.md\n```\n[y](nor-this)\n```")).toEqual(["docs/a.md#b-c", "p.png", "../r.md"]);
    expect([...headingAnchors("# What it costs\n## Nothing stays pending: the log's alarm\n## What it costs\n### `GET /v1/x` and more")]).toEqual([
      "what-it-costs",
      "nothing-stays-pending-the-logs-alarm",
      "what-it-costs-1",
      "get-v1x-and-more",
    ]);
  });
});
