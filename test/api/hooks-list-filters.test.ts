import { beforeAll, describe, expect, it } from "vitest";
import { accountWithManyHooks, expectExactly, notRetired, subscribed, walk, type Listed } from "../helpers/many-hooks";

// Every GET /v1/hooks filter over 250 hooks, each walked page by page at two page sizes: the pages
// together hold exactly the hooks the filter selects, each once. Deactivated hooks only on request.

let key: string;
let hooks: Listed[];

beforeAll(async () => {
  ({ key, hooks } = await accountWithManyHooks("filters"));
});

const apps = (h: Listed) => h.applications ?? [];

const filters: Array<[string, (h: Listed) => boolean]> = [
  ["enabled=true", (h) => h.enabled && notRetired(h)],
  ["enabled=false", (h) => !h.enabled && notRetired(h)],
  ["kind=slack", (h) => h.kind === "slack" && notRetired(h)],
  ["kind=webhook", (h) => h.kind === "webhook" && notRetired(h)],
  ["phase=pre", (h) => h.phase === "pre" && notRetired(h)],
  ["phase=post", (h) => h.phase === "post" && notRetired(h)],
  ["state=new", (h) => h.state === "new"],
  ["state=valid", (h) => h.state === "valid"],
  ["state=invalid", (h) => h.state === "invalid"],
  ["state=deactivated", (h) => h.state === "deactivated"],
  ["event=job_run.failed", (h) => subscribed(h, "job_run.failed") && notRetired(h)],
  ["event=job_run.succeeded", (h) => subscribed(h, "job_run.succeeded") && notRetired(h)],
  ["event=model_version.created", (h) => subscribed(h, "model_version.created") && notRetired(h)],
  ["event=unheard.of", (h) => h.events.length === 0 && notRetired(h)],
  ["application=app1", (h) => apps(h).includes("app1") && notRetired(h)],
  ["application=shared", (h) => apps(h).includes("shared") && notRetired(h)],
  ["application=nobody", () => false],
  [
    "kind=webhook&enabled=true&phase=post&event=job_run.failed&application=app2",
    (h) => h.kind === "webhook" && h.enabled && h.phase === "post" && subscribed(h, "job_run.failed") && apps(h).includes("app2") && notRetired(h),
  ],
  ["state=deactivated&enabled=false", (h) => h.state === "deactivated" && !h.enabled],
  // (No slack hook of the fixture is valid: each filter of a combination leaves out hooks the others keep.)
  ["state=valid&phase=pre&created_after=2026-06-01T00:00:30Z", (h) => h.state === "valid" && h.phase === "pre" && h.created_at > "2026-06-01T00:00:30.000Z"],
  ["enabled=false&kind=slack&created_after=2026-06-01T00:00:30Z", (h) => !h.enabled && h.kind === "slack" && notRetired(h) && h.created_at > "2026-06-01T00:00:30.000Z"],
];

describe("GET /v1/hooks filters over 250 hooks", { timeout: 60_000 }, () => {
  for (const [query, pred] of filters) {
    it(`?${query} walks completely, without duplicates`, async () => {
      const want = hooks.filter(pred);
      // Over an empty selection the walk would pass for an API answering nothing: only `nobody` selects none.
      expect(want.length > 0, `the fixture has hooks ?${query} selects`).toBe(query !== "application=nobody");
      expectExactly(await walk(key, query, 11), want);
      expectExactly(await walk(key, query, 100), want);
    });
  }
});
