import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";
import { accountWithManyHooks, expectExactly, notRetired, walk, type Listed } from "../helpers/many-hooks";

// 250 hooks listed page by page without filters, by creation time, and with bad parameters.
// The other filters are walked in hooks-list-filters.test.ts.

let key: string;
let hooks: Listed[];

beforeAll(async () => {
  ({ key, hooks } = await accountWithManyHooks("many"));
});

describe("GET /v1/hooks over 250 hooks", { timeout: 60_000 }, () => {
  it("walks every visible hook exactly once, newest first, at every page size", async () => {
    const visible = hooks.filter(notRetired);
    expect(visible.length).toBe(225);
    for (const limit of [3, 7, 50, 100]) expectExactly(await walk(key, "", limit), visible);
  });

  it("answers the hooks in the API's shape", async () => {
    const res = await call("GET", "/v1/hooks?limit=100", { token: key });
    const byId = new Map(hooks.map((h) => [h.id, h]));
    expect(res.body.data).toHaveLength(100);
    for (const h of res.body.data) expect(h).toEqual(byId.get(h.id));
  });

  it("uses 50 as the default page size, and the last id as the cursor", async () => {
    const res = await call("GET", "/v1/hooks", { token: key });
    expect(res.body.data).toHaveLength(50);
    expect(res.body.next_cursor).toBe(res.body.data[49].id);
  });

  it("filters by creation time, strictly after and strictly before", async () => {
    const live = hooks.filter(notRetired);
    const after = hooks[101]!.created_at; // 2026-06-01T00:00:25.250Z
    const before = hooks[202]!.created_at; // 2026-06-01T00:00:50.500Z
    expectExactly(await walk(key, `created_after=${after}`, 40), live.filter((h) => h.created_at > after));
    expectExactly(await walk(key, `created_before=${before}`, 40), live.filter((h) => h.created_at < before));
    expectExactly(
      await walk(key, `created_after=${after}&created_before=${before}`, 40),
      live.filter((h) => h.created_at > after && h.created_at < before),
    );
  });

  it("reads a time without milliseconds, or with an offset, as the same instant", async () => {
    const live = hooks.filter(notRetired);
    // 00:00:25Z lies between hooks of the same second: 25.000 is not after it, 25.250 is.
    const want = live.filter((h) => h.created_at > "2026-06-01T00:00:25.000Z");
    expect(want.some((h) => h.created_at === "2026-06-01T00:00:25.250Z")).toBe(true);
    expectExactly(await walk(key, "created_after=2026-06-01T00:00:25Z", 100), want);
    expectExactly(await walk(key, "created_after=2026-06-01T02:00:25%2B02:00", 100), want);
    expect(await walk(key, "created_after=2000-01-01T00:00:00Z", 100)).toHaveLength(live.length);
    expect(await walk(key, "created_before=2000-01-01T00:00:00Z", 100)).toHaveLength(0);
  });

  it("never shows another account's hooks", async () => {
    const other = await newAccount("other");
    const res = await call("GET", "/v1/hooks?limit=100", { token: other.key });
    expect(res.body).toEqual({ data: [], next_cursor: null });
    // nor does another account's cursor leak anything
    const foreign = await call("GET", `/v1/hooks?cursor=${hooks[249]!.id}`, { token: other.key });
    expect(foreign.body).toEqual({ data: [], next_cursor: null });
  });

  it("refuses bad filters, limits and cursors with 400 and the error shape", async () => {
    for (const q of [
      "limit=0",
      "limit=101",
      "limit=-5",
      "limit=abc",
      "limit=1.5",
      "cursor=not-a-cursor",
      "cursor=" + "x".repeat(100),
      "state=running",
      "enabled=yes",
      "kind=email",
      "phase=during",
      "event=bad%20name",
      "event=" + "a".repeat(129),
      "created_after=yesterday",
      "created_before=2026-13-01T00:00:00Z",
    ]) {
      const res = await call("GET", `/v1/hooks?${q}`, { token: key });
      expectErrorShape(res, 400, "validation_failed");
      expect(res.body.error.details.length, q).toBeGreaterThan(0);
    }
  });
});
