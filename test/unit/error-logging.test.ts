import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { handleError } from "../../src/errors";
import { errorDetail } from "../../src/observability/log";
import { requestIds } from "../../src/http/security";

afterEach(() => vi.restoreAllMocks());

describe("error logging", () => {
  it("logs an unexpected error as one JSON line with the request id, and no credentials, query or body", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    const app = new Hono();
    app.onError(handleError);
    app.use("*", requestIds as never);
    app.post("/v1/boom", () => {
      throw new Error("database exploded");
    });
    const secretKey = "hrk_abcdefghijklmnopqrstuvwxyz0123";
    const res = await app.request("/v1/boom?code=oauth-code-123", {
      method: "POST",
      headers: { authorization: `Bearer ${secretKey}`, "content-type": "application/json" },
      body: JSON.stringify({ secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }),
    });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; request_id: string } };
    expect(body.error.code).toBe("internal_error");
    expect(body.error.request_id).toBe(res.headers.get("x-request-id"));

    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]!) as Record<string, string>;
    expect(logged).toMatchObject({ level: "error", request_id: body.error.request_id, method: "POST", path: "/v1/boom" });
    expect(logged.error).toContain("database exploded");
    expect(lines[0]).not.toContain(secretKey);
    expect(lines[0]).not.toContain("oauth-code-123");
    expect(lines[0]).not.toContain("whsec_");
  });
});

describe("errorDetail", () => {
  it("keeps an error's name, code and message but not the input a JSON parse error quotes, nor credentials", () => {
    let parseError: unknown;
    try {
      JSON.parse('{"token": "xoxb-quoted-by-v8-0123456789"');
    } catch (err) {
      parseError = err;
    }
    const detail = errorDetail(parseError);
    expect(detail).toMatch(/^SyntaxError: /);
    expect(detail).not.toContain("xoxb-quoted-by-v8");
    const coded = Object.assign(new Error("refused for Bearer hrk_abcdefghijklmnopqrstuvwxyz0123"), { code: "E_REFUSED" });
    expect(errorDetail(coded)).toBe("Error [E_REFUSED]: refused for [redacted]");
  });
});

// A guard over the whole code base, since new code lands every day: no console call may pass a
// credential-like value. String literals are dropped first, so a message that merely names a
// token ("slack token refresh failed") is fine; an identifier such as `apiKey` or `secret` is not.
const CREDENTIAL_IDENTIFIER = /\b(secret\w*|\w*Secret|token|\w*Token|apiKey|api_key|authorization|bearer|password|ENCRYPTION_KEY\w*|ADMIN_TOKEN|SLACK_CLIENT_SECRET)\b/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) ? [full] : [];
  });
}

/** The argument text of every console.* call, with string and template literals blanked out. */
function consoleArguments(source: string): string[] {
  const calls: string[] = [];
  const re = /console\.\w+\s*\(/g;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    while (i < source.length && depth > 0) {
      const ch = source[i]!;
      if (ch === '"' || ch === "'" || ch === "`") {
        const quote = ch;
        for (i++; i < source.length && source[i] !== quote; i++) if (source[i] === "\\") i++;
      } else if (ch === "(") depth++;
      else if (ch === ")") depth--;
      i++;
    }
    calls.push(source.slice(start, i - 1).replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`/g, '""'));
  }
  return calls;
}

describe("no credentials in logs", () => {
  it("finds no console call in src/ that passes a secret, token, key or authorization value", () => {
    const root = path.join(import.meta.dirname, "../../src");
    const offenders: string[] = [];
    let seen = 0;
    for (const file of sourceFiles(root)) {
      for (const args of consoleArguments(readFileSync(file, "utf8"))) {
        seen++;
        if (CREDENTIAL_IDENTIFIER.test(args)) offenders.push(`${path.relative(root, file)}: console(${args})`);
      }
    }
    expect(seen).toBeGreaterThan(0); // the scan found log.ts's own console calls (and the CLI's)
    expect(offenders).toEqual([]);
  });

  it("the scan itself catches a credential passed to console", () => {
    const args = consoleArguments('console.log("calling with", apiKey); console.error(`token ${x}`, hook.secretSealed)');
    expect(args.map((a) => CREDENTIAL_IDENTIFIER.test(a))).toEqual([true, true]);
    expect(consoleArguments('console.warn("slack token refresh failed", err)').map((a) => CREDENTIAL_IDENTIFIER.test(a))).toEqual([false]);
  });
});

// Every log line of the Worker goes through src/observability/log.ts, which stamps the request id of
// the request being handled (the CLI's terminal output and the portal's browser code are not logs).
describe("one way to log", () => {
  it("finds no console call in src/ outside src/observability/log.ts, the CLI and the portal's browser files", () => {
    const root = path.join(import.meta.dirname, "../../src");
    const exempt = (rel: string) => rel === path.join("observability", "log.ts") || rel.startsWith(`cli${path.sep}`) || rel.startsWith(`portal${path.sep}`);
    const offenders = sourceFiles(root)
      .map((file) => path.relative(root, file))
      .filter((rel) => !exempt(rel) && consoleArguments(readFileSync(path.join(root, rel), "utf8")).length > 0);
    expect(offenders, "log with log() from src/observability/log.ts").toEqual([]);
  });
});
