import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape, newAccount } from "../helpers/api";

// A key sees only its own account: another account's hook answers 404 (never 403) on every route,
// and nothing the other key tries changes it.

let owner: { key: string };
let intruder: { key: string };
let hook: any;

beforeAll(async () => {
  owner = await newAccount("owner");
  intruder = await newAccount("intruder");
  const res = await call("POST", "/v1/hooks", {
    token: owner.key,
    body: { name: "private-hook", url: "https://example.com/owner", events: ["job_run.failed"], enabled: true },
  });
  expect(res.status).toBe(201);
  hook = res.body;
});

describe("another account's hook", () => {
  const attempts: Array<[string, string, unknown?]> = [
    ["GET", ""],
    ["PATCH", "", { name: "stolen", url: "https://example.com/intruder" }],
    ["DELETE", ""],
    ["POST", "/enable"],
    ["POST", "/disable"],
    ["GET", "/secret"],
  ];

  for (const [method, suffix, body] of attempts) {
    it(`answers 404 to ${method} /v1/hooks/{id}${suffix}`, async () => {
      const res = await call(method, `/v1/hooks/${hook.id}${suffix}`, { token: intruder.key, body });
      expectErrorShape(res, 404, "not_found");
      expect(JSON.stringify(res.body)).not.toContain("example.com/owner");
      expect(JSON.stringify(res.body)).not.toContain(hook.secret);
    });
  }

  it("is unchanged after all of that", async () => {
    const got = await call("GET", `/v1/hooks/${hook.id}`, { token: owner.key });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ name: "private-hook", url: "https://example.com/owner", enabled: true, updated_at: hook.updated_at });
    const secret = await call("GET", `/v1/hooks/${hook.id}/secret`, { token: owner.key });
    expect(secret.body.secret).toBe(hook.secret);
  });

  it("is invisible in the other account's list, active hooks and name check", async () => {
    expect((await call("GET", "/v1/hooks", { token: intruder.key })).body.data).toEqual([]);
    expect((await call("GET", "/v1/hooks?state=new&event=job_run.failed", { token: intruder.key })).body.data).toEqual([]);
    expect((await call("GET", "/v1/hooks/active?event=job_run.failed", { token: intruder.key })).body.data).toEqual([]);
    expect((await call("GET", "/v1/hooks/name-available?name=private-hook", { token: intruder.key })).body.available).toBe(true);
  });

  it("does not stop the other account from using the same name", async () => {
    const res = await call("POST", "/v1/hooks", { token: intruder.key, body: { name: "private-hook", url: "https://example.com/mine" } });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe(hook.id);
    // and each account still sees only its own
    const mine = await call("GET", "/v1/hooks", { token: intruder.key });
    expect(mine.body.data.map((h: { id: string }) => h.id)).toEqual([res.body.id]);
    const theirs = await call("GET", "/v1/hooks", { token: owner.key });
    expect(theirs.body.data.map((h: { id: string }) => h.id)).toEqual([hook.id]);
  });

  it("answers the owner normally, and the owner can still delete it", async () => {
    const del = await call("DELETE", `/v1/hooks/${hook.id}`, { token: owner.key });
    expect(del.status).toBe(200);
    expect(del.body.id).toBe(hook.id);
  });
});

describe("another account's event types", () => {
  it("are separate catalogs", async () => {
    expect((await call("PUT", "/v1/event-types/owner.only", { token: owner.key, body: {} })).status).toBe(200);
    expect((await call("GET", "/v1/event-types", { token: intruder.key })).body.data).toEqual([]);
    expectErrorShape(await call("DELETE", "/v1/event-types/owner.only", { token: intruder.key }), 404, "not_found");
    expect((await call("GET", "/v1/event-types", { token: owner.key })).body.data.map((t: { name: string }) => t.name)).toEqual(["owner.only"]);
  });
});
