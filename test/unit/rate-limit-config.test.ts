import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RATE_LIMIT_PERIOD_SECONDS } from "../../src/http/rate-limit";

// The binding's window is declared in wrangler.toml and answered as Retry-After by the code: the two
// must agree, or clients would be told to come back too early.
describe("API rate limit configuration", () => {
  it("declares the API_RATE_LIMITER binding with the period the 429 answers advertise", () => {
    const toml = readFileSync(path.join(import.meta.dirname, "../../wrangler.toml"), "utf8");
    const block = /\[\[ratelimits\]\]\s*\nname\s*=\s*"API_RATE_LIMITER"[^[]*/.exec(toml)?.[0];
    expect(block, "wrangler.toml has no [[ratelimits]] block named API_RATE_LIMITER").toBeDefined();
    const simple = /simple\s*=\s*\{\s*limit\s*=\s*(\d+)\s*,\s*period\s*=\s*(\d+)\s*\}/.exec(block!);
    expect(simple, "the block needs simple = { limit = N, period = 10 }").not.toBeNull();
    expect(Number(simple![2])).toBe(RATE_LIMIT_PERIOD_SECONDS);
    expect(Number(simple![1])).toBeGreaterThan(0);
  });
});
