import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { signatureHeader } from "../../src/delivery/signer";
// @ts-expect-error: a browser module of the portal (plain JS, no types); its snippets are plain strings
import { LIBRARY_SNIPPET, PLAIN_SNIPPET } from "../../src/portal/static/catalog.mjs";

// The verification snippets the portal shows are run as a receiver would run them, against a
// signature made by the router's own signer: they must accept it (also during a rotation, with two
// signatures in the header) and refuse a changed body.

const ROOT = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(ROOT, "node_modules", ".portal-snippets-")); // inside the checkout: `standardwebhooks` resolves
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OLD_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

async function signed(body: string, secrets = [SECRET]) {
  const ts = Math.floor(Date.now() / 1000);
  return { "webhook-id": "dlv_01JD3Z5Q3W9X4Y2V8N6M1K0P7R", "webhook-timestamp": String(ts), "webhook-signature": await signatureHeader(secrets, "dlv_01JD3Z5Q3W9X4Y2V8N6M1K0P7R", ts, body) };
}

function runModule(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return execFileSync(process.execPath, [file], { encoding: "utf8" }).trim();
}

describe("the portal's verification snippets", () => {
  const body = '{"id":"evt_1","type":"order.created","data":{"order":1}}';

  it("the dependency-free one accepts hookrouter's signature (one or two secrets) and refuses a changed body", async () => {
    const cases = [
      [await signed(body), body, true],
      [await signed(body, [OLD_SECRET, SECRET]), body, true],
      [await signed(body), body.replace("1}", "2}"), false],
      [await signed(body, [OLD_SECRET]), body, false],
    ] as const;
    for (const [i, [headers, raw, expected]] of cases.entries()) {
      const out = runModule(`plain-${i}.mjs`, `${PLAIN_SNIPPET}\nconsole.log(verify(${JSON.stringify(SECRET)}, ${JSON.stringify(headers)}, ${JSON.stringify(raw)}));\n`);
      expect(out, `case ${i}`).toBe(String(expected));
    }
  });

  it("the standardwebhooks one returns the event, and throws on a changed body", async () => {
    // The snippet's import goes first (imports cannot sit in a block); the rest runs as a handler would.
    const lines = (LIBRARY_SNIPPET as string).split("\n");
    const imports = lines.filter((l) => l.startsWith("import ")).join("\n");
    const rest = lines.filter((l) => !l.startsWith("import ")).join("\n");
    const program = (headers: object, raw: string) =>
      `${imports}\nconst req = { headers: ${JSON.stringify(headers)} }; const rawBody = ${JSON.stringify(raw)}; process.env.HOOK_SECRET = ${JSON.stringify(SECRET)};\n` +
      `try {\n${rest}\nconsole.log(JSON.stringify(event));\n} catch (e) { console.log("refused: " + e.message); }\n`;
    const headers = await signed(body);
    expect(JSON.parse(runModule("lib-ok.mjs", program(headers, body)))).toEqual(JSON.parse(body));
    expect(runModule("lib-bad.mjs", program(headers, body.replace("1}", "2}")))).toMatch(/^refused: /);
  });
});
