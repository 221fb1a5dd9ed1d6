import { describe, expect, it } from "vitest";
import { PORTAL_ASSETS } from "../../src/portal/assets";
import { call, expectErrorShape } from "../helpers/api";

// The page itself holds no data: it is served to anyone, under a policy that lets it run only its own
// files and talk only to this origin. What it shows comes from the API, with a portal token.

describe("GET /portal", () => {
  it("serves the page under a strict content security policy", async () => {
    const res = await call("GET", "/portal");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.body).toContain('<script type="module" src="/portal/app.mjs"></script>');
    expect(res.body).not.toMatch(/<script>|\son[a-z]+=|style=/); // nothing inline for the policy to allow
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-(eval|inline)/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("serves each of its files with its type, and nothing else", async () => {
    for (const name of ["app.mjs", "portal.css"]) {
      const res = await call("GET", `/portal/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(PORTAL_ASSETS[name]!.type);
      expect(res.body).toBe(PORTAL_ASSETS[name]!.body);
    }
    // every module another one imports is served
    const imported = Object.values(PORTAL_ASSETS).flatMap((a) => [...a.body.matchAll(/from "\.\/([\w-]+\.mjs)"/g)].map((m) => m[1]!));
    expect(new Set(imported)).toEqual(new Set(Object.keys(PORTAL_ASSETS).filter((n) => n.endsWith(".mjs") && n !== "app.mjs")));
    for (const missing of ["nothing.js", "..%2Fapp.ts", "constructor", "__proto__"]) expectErrorShape(await call("GET", `/portal/${missing}`), 404, "not_found");
  });
});
