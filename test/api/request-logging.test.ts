import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getDb } from "../../src/db/client";
import { hooks } from "../../src/db/schema";
import type { Env } from "../../src/env";
import { handleError } from "../../src/errors";
import type { AppEnv } from "../../src/http/context";
import { logContext, requestIds } from "../../src/http/security";
import worker from "../../src/index";
import { log } from "../../src/observability/log";
import { call, newAccount } from "../helpers/api";

// Every log line written while a request is handled carries its request id, whichever function
// writes it and without being handed the request (src/observability/log.ts), in the Workers runtime.

afterEach(() => vi.restoreAllMocks());

/** The JSON lines written to console.warn while `run` runs. */
async function warnings(run: () => Promise<void>): Promise<Array<Record<string, unknown>>> {
  const lines: string[] = [];
  vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  await run();
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A service-level function: it knows nothing of the request it runs for. */
async function serviceStep(label: string, waitMs: number): Promise<void> {
  await scheduler.wait(waitMs);
  log("warn", "service step", { label });
}

describe("request ids in log lines", () => {
  it("each of two interleaved requests logs its own id, across awaits; a line outside any request has none", async () => {
    const app = new Hono<AppEnv>();
    app.use("*", requestIds, logContext);
    app.get("/step/:label/:ms", async (c) => {
      await serviceStep(c.req.param("label"), Number(c.req.param("ms")));
      await serviceStep(c.req.param("label"), 1);
      return c.text("ok");
    });
    let answers: Response[] = [];
    const lines = await warnings(async () => {
      // `slow` logs after `fast` has started and finished its own lines.
      answers = await Promise.all([app.request("/step/slow/40"), app.request("/step/fast/1")]);
      log("warn", "outside", {});
    });
    const idOf = (label: string) => answers[label === "slow" ? 0 : 1]!.headers.get("x-request-id");
    expect(idOf("slow")).not.toBe(idOf("fast"));
    expect(lines).toHaveLength(5);
    for (const line of lines.slice(0, 4)) expect(line.request_id).toBe(idOf(line.label as string));
    expect(lines.slice(0, 4).map((l) => l.label)).toEqual(["fast", "fast", "slow", "slow"]);
    expect(lines[4]).toEqual({ level: "warn", message: "outside" });
  });

  it("a service's own line in the real app: deleting a hook whose Durable Object cannot be reached", async () => {
    const { key } = await newAccount("logging");
    const hook = await call("POST", "/v1/hooks", { token: key, body: { name: "doomed", url: "https://example.com/hook" } });
    expect(hook.status).toBe(201);
    // The hook's object is unreachable for this one request (a fault injected at the binding).
    const real = (env as unknown as Env).HOOK_STATE;
    const unreachable = {
      idFromName: (name: string) => real.idFromName(name),
      get: () => ({
        purge: async () => {
          throw new Error("Durable Object unreachable");
        },
      }),
    };
    const faulty = { ...(env as unknown as Env), HOOK_STATE: unreachable as unknown as Env["HOOK_STATE"] };

    let answer: Response | undefined;
    const lines = await warnings(async () => {
      const ctx = createExecutionContext();
      answer = await worker.fetch(new Request(`http://hookrouter.test/v1/hooks/${hook.body.id}`, { method: "DELETE", headers: { authorization: `Bearer ${key}` } }), faulty, ctx);
      await waitOnExecutionContext(ctx);
    });
    // Best-effort: the hook is deleted all the same.
    expect(answer!.status).toBe(200);
    expect((await call("GET", `/v1/hooks/${hook.body.id}`, { token: key })).status).toBe(404);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "warn", request_id: answer!.headers.get("x-request-id"), hook_id: hook.body.id });
    expect(lines[0]!.error).toContain("Durable Object unreachable");
  });
});

// drizzle's DrizzleQueryError carries a failed statement's bound values in its message, and its
// stack repeats that message: neither may reach a log line, whoever logs the error.
describe("a failed statement's values are never logged", () => {
  it("the error handler logs the error's name and SQL, not the secret, header value or payload it was bound to", async () => {
    const secret = "whsec_NeverLoggedSecret0123456789abcdef";
    const headerValue = "header-value-never-logged-4711";
    const payloadMarker = "payload-never-logged-0815";
    const app = new Hono<AppEnv>();
    app.onError(handleError);
    app.use("*", requestIds, logContext);
    app.post("/v1/failing-statement", async () => {
      // A real statement that D1 refuses: its account does not exist (foreign key).
      await getDb((env as unknown as Env).DB)
        .insert(hooks)
        .values({
          id: "hook_never_logged",
          accountId: "acct_does_not_exist",
          name: "never-logged",
          kind: "webhook",
          url: "https://example.com/hook",
          events: ["*"],
          headers: { "x-api-key": headerValue },
          metadata: { note: payloadMarker },
          secretSealed: secret,
          createdAt: "2026-01-01T00:00:00.000Z",
          updatedAt: "2026-01-01T00:00:00.000Z",
        });
      return new Response("unreachable");
    });
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    const res = await app.request("/v1/failing-statement", { method: "POST" });
    expect(res.status).toBe(500);
    expect(lines).toHaveLength(1);
    for (const value of [secret, headerValue, payloadMarker]) expect(lines[0]).not.toContain(value);
    const logged = JSON.parse(lines[0]!) as Record<string, string>;
    expect(logged.error).toContain("DrizzleQueryError");
    expect(logged.error).toContain('insert into "hooks"');
    expect(logged.error).toContain("FOREIGN KEY constraint failed");
  });
});
