import { beforeAll, describe, expect, it } from "vitest";
import { call, newAccount } from "../helpers/api";

// GET /v1/hooks/active answers exactly the hooks the design's rules select: enabled, not retired, of
// the phase, subscribed (exact, `*`, `prefix.*`, empty = all), in scope (site-level: everything;
// application hooks: events naming one of their applications, never `application_level: false`
// types), and a fallback hook only when no application-scoped hook matched.

let key: string;
const ids: Record<string, string> = {};

const HOOKS: Record<string, Record<string, unknown>> = {
  "site-all": {},
  "site-job": { events: ["job_run.*"] },
  "site-exact": { events: ["job_run.failed"] },
  "site-model": { events: ["model_version.created"] },
  "app-billing": { applications: ["billing"], events: ["job_run.failed"] },
  "app-search": { applications: ["search", "billing"], events: ["*"] },
  fallback: { fallback: true, events: ["job_run.*"] },
  disabled: { enabled: false },
  retired: {},
  "gate-pre": { phase: "pre", events: ["job_run.*"] },
  "gate-app": { phase: "pre", applications: ["billing"] },
};

async function active(query: string): Promise<string[]> {
  const res = await call("GET", `/v1/hooks/active?${query}`, { token: key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const byId = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
  const names = res.body.data.map((h: { id: string }) => byId[h.id] ?? `foreign:${h.id}`);
  // newest first, like the list
  expect(res.body.data.map((h: { id: string }) => h.id)).toEqual([...res.body.data.map((h: { id: string }) => h.id)].sort().reverse());
  return names.sort();
}

beforeAll(async () => {
  ({ key } = await newAccount("active"));
  for (const [name, extra] of Object.entries(HOOKS)) {
    const res = await call("POST", "/v1/hooks", { token: key, body: { name, url: `https://example.com/${name}`, ...extra } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids[name] = res.body.id;
  }
  const retired = await call("PATCH", `/v1/hooks/${ids.retired}`, { token: key, body: { state: "deactivated" } });
  expect(retired.status).toBe(200);
  // Another account's hooks, matching everything, must never show up.
  const other = await newAccount("other");
  await call("POST", "/v1/hooks", { token: other.key, body: { name: "site-all", url: "https://example.com/other" } });
});

describe("GET /v1/hooks/active", () => {
  it("with no application: site-level hooks by subscription, and the fallback", async () => {
    expect(await active("event=job_run.failed")).toEqual(["fallback", "site-all", "site-exact", "site-job"]);
    expect(await active("event=job_run.started")).toEqual(["fallback", "site-all", "site-job"]);
    expect(await active("event=model_version.created")).toEqual(["site-all", "site-model"]);
    expect(await active("event=something.else")).toEqual(["site-all"]);
  });

  it("with an application: its hooks join, and the fallback steps aside", async () => {
    expect(await active("event=job_run.failed&application=billing")).toEqual(["app-billing", "app-search", "site-all", "site-exact", "site-job"]);
    // app-billing does not take job_run.succeeded, app-search (`*`) does: still no fallback
    expect(await active("event=job_run.succeeded&application=billing")).toEqual(["app-search", "site-all", "site-job"]);
    expect(await active("event=model_version.created&application=search")).toEqual(["app-search", "site-all", "site-model"]);
  });

  it("an application without a matching hook of its own gets the fallback", async () => {
    expect(await active("event=job_run.failed&application=payroll")).toEqual(["fallback", "site-all", "site-exact", "site-job"]);
  });

  it("pre-hooks (gates) are listed only with phase=pre, with the same scope rules", async () => {
    expect(await active("event=job_run.failed&phase=pre")).toEqual(["gate-pre"]);
    expect(await active("event=job_run.failed&phase=pre&application=billing")).toEqual(["gate-app", "gate-pre"]);
    expect(await active("event=model_version.created&phase=pre&application=billing")).toEqual(["gate-app"]);
    expect(await active("event=job_run.failed&phase=post")).toEqual(await active("event=job_run.failed"));
  });

  it("follows enable and disable at once", async () => {
    await call("POST", `/v1/hooks/${ids["site-all"]}/disable`, { token: key });
    await call("POST", `/v1/hooks/${ids.disabled}/enable`, { token: key });
    expect(await active("event=something.else")).toEqual(["disabled"]);
    await call("POST", `/v1/hooks/${ids["site-all"]}/enable`, { token: key });
    await call("POST", `/v1/hooks/${ids.disabled}/disable`, { token: key });
    expect(await active("event=something.else")).toEqual(["site-all"]);
  });

  it("follows a retired hook brought back, and a subscription change", async () => {
    await call("PATCH", `/v1/hooks/${ids.retired}`, { token: key, body: { state: "new", events: ["something.else"] } });
    expect(await active("event=something.else")).toEqual(["retired", "site-all"]);
    await call("PATCH", `/v1/hooks/${ids.retired}`, { token: key, body: { state: "deactivated" } });
    expect(await active("event=something.else")).toEqual(["site-all"]);
  });

  it("a catalog type with application_level false never reaches application hooks", async () => {
    // A catalog: from now on subscriptions must name cataloged types, so it comes after the hooks.
    for (const [name, level] of [
      ["team.created", false],
      ["job_run.owner_changed", false],
      ["job_run.failed", true],
    ] as const) {
      const put = await call("PUT", `/v1/event-types/${name}`, { token: key, body: { application_level: level } });
      expect(put.status).toBe(200);
    }
    // app-search takes `*` and names billing, but team events are not application events
    expect(await active("event=team.created&application=billing")).toEqual(["site-all"]);
    // no application hook can match such a type, so the fallback speaks for the application
    expect(await active("event=job_run.owner_changed&application=billing")).toEqual(["fallback", "site-all", "site-job"]);
    expect(await active("event=team.created&application=billing&phase=pre")).toEqual([]);
    expect(await active("event=job_run.failed&application=billing")).toEqual(["app-billing", "app-search", "site-all", "site-exact", "site-job"]);
  });

  it("a deleted hook is gone from the answer", async () => {
    await call("DELETE", `/v1/hooks/${ids["site-model"]}`, { token: key });
    expect(await active("event=model_version.created")).toEqual(["site-all"]);
  });

  it("answers the hooks in the API's shape, without secrets", async () => {
    const res = await call("GET", "/v1/hooks/active?event=job_run.failed", { token: key });
    expect(res.body.data).toHaveLength(4); // fallback, site-all, site-exact, site-job (the first test)
    for (const h of res.body.data) {
      expect(h.secret).toBeUndefined();
      expect(h).toMatchObject({ id: expect.stringMatching(/^hook_/), enabled: true, phase: "post" });
    }
  });
});
