import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import { call, newAccount } from "../helpers/api";
import { gateCalls } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";

// Pre-hook gates against real HTTP receivers. GATE_TIMEOUT_MS is 1500 in this project.

let key: string;

beforeAll(async () => {
  ({ key } = await newAccount("gates"));
});

interface PreHook {
  id: string;
  secret: string;
}

let hookCount = 0;
async function preHook(rx: Receiver, fields: Record<string, unknown> = {}): Promise<PreHook> {
  const res = await call("POST", "/v1/hooks", {
    token: key,
    body: { name: `gate-${++hookCount}`, url: rx.url("/gate"), events: ["cluster.*"], phase: "pre", ...fields },
  });
  if (res.status !== 201) throw new Error(`hook: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, secret: res.body.secret };
}

const answer = (body: object, extra: { delay_ms?: number; status?: number } = {}) => ({
  status: extra.status ?? 200,
  body: JSON.stringify(body),
  headers: { "content-type": "application/json" },
  delay_ms: extra.delay_ms,
});

/** Every answer is the same, so a stray request (e.g. an automatic endpoint test) cannot shift a script. */
async function answering(rx: Receiver, response: Parameters<Receiver["script"]>[1]): Promise<void> {
  await rx.script([], response);
}

const gate = (type: string, body: unknown, token = key) => call("POST", `/v1/gates/${type}`, { token, body });

describe("POST /v1/gates/{type}", () => {
  it("approves when every gate approves, calling each with the signed envelope plus auth_id and work_id", async () => {
    const [a, b] = [new Receiver(), new Receiver()];
    await answering(a, answer({ approved: true }));
    await answering(b, answer({ approved: true, reason: "fine by me" }));
    const ha = await preHook(a, { headers: { "x-tenant": "t1" } });
    const hb = await preHook(b);

    const res = await gate("cluster.create", { payload: { cluster_id: "c-1", node_count: 3 }, applications: ["ccx"], auth_id: "sess-42" });
    expect(res.status).toBe(200);
    expect(res.body.approved).toBe(true);
    expect(res.body.work_id).toMatch(/^work_[0-9A-Z]{26}$/);
    expect(res.body.context).toEqual({});
    expect(res.body.decisions).toHaveLength(2);
    expect(res.body.decisions[0]).toMatchObject({ hook_id: ha.id, approved: true });
    expect(res.body.decisions[1]).toMatchObject({ hook_id: hb.id, approved: true, reason: "fine by me" });
    for (const d of res.body.decisions) {
      expect(d.error).toBeUndefined();
      expect(d.duration_ms).toBeGreaterThanOrEqual(0);
    }

    for (const [rx, hook] of [[a, ha], [b, hb]] as const) {
      const calls = await gateCalls(rx);
      expect(calls).toHaveLength(1);
      const req = calls[0]!;
      expect(req.method).toBe("POST");
      expect(req.headers["content-type"]).toBe("application/json");
      expect(req.headers["user-agent"]).toMatch(/^hookrouter\//);
      expect(req.headers["webhook-id"]).toMatch(new RegExp(`^gate_[0-9A-Z]{26}_${hook.id}$`));
      // the receiver verifies a gate call exactly as it verifies a delivery
      expect(new Webhook(hook.secret).verify(req.body, req.headers)).toBeTruthy();
      const body = JSON.parse(req.body);
      expect(body).toEqual({
        id: expect.stringMatching(/^gate_[0-9A-Z]{26}$/),
        type: "cluster.create",
        timestamp: expect.any(String),
        data: { cluster_id: "c-1", node_count: 3 },
        applications: ["ccx"],
        work_id: res.body.work_id,
        auth_id: "sess-42",
      });
    }
    expect((await gateCalls(a))[0]!.headers["x-tenant"]).toBe("t1");
  });

  it("rejects when one gate rejects, with that gate's reason", async () => {
    const [a, b] = [new Receiver(), new Receiver()];
    await answering(a, answer({ approved: true }));
    await answering(b, answer({ approved: false, reason: "quota exceeded" }));
    await preHook(a, { events: ["node.add"] });
    const hb = await preHook(b, { events: ["node.add"] });
    const res = await gate("node.add", { payload: { cluster_id: "c-1" } });
    expect(res.status).toBe(200);
    expect(res.body.approved).toBe(false);
    const rejecting = res.body.decisions.filter((d: any) => !d.approved);
    expect(rejecting).toEqual([{ hook_id: hb.id, approved: false, reason: "quota exceeded", duration_ms: expect.any(Number) }]);
    expect(await gateCalls(a)).toHaveLength(1);
  });

  it("counts a gate that hangs past its timeout per on_error, and answers once the timeout has passed", async () => {
    const [rejecting, approving] = [new Receiver(), new Receiver()];
    await answering(rejecting, { hang: true });
    await answering(approving, { hang: true });
    const hr = await preHook(rejecting, { events: ["volume.grow"], timeout_ms: 800, on_error: "reject" });
    const ha = await preHook(approving, { events: ["volume.grow"], timeout_ms: 800, on_error: "approve" });

    // The receivers never answer: that the run answers at all is the timeout's doing (how soon after
    // it is the bench's to measure, bench/phases/gates.ts).
    const res = await gate("volume.grow", { payload: {} });
    expect(res.status).toBe(200);
    expect(res.body.approved).toBe(false);
    const byHook = Object.fromEntries(res.body.decisions.map((d: any) => [d.hook_id, d]));
    expect(byHook[hr.id]).toMatchObject({ approved: false, error: "timed out after 800 ms" });
    expect(byHook[ha.id]).toMatchObject({ approved: true, error: "timed out after 800 ms" });
    expect(byHook[hr.id].duration_ms).toBeGreaterThanOrEqual(790);
    expect(byHook[hr.id].reason).toBeUndefined();

    // the approving one alone lets the action through
    await call("POST", `/v1/hooks/${hr.id}/disable`, { token: key });
    const alone = await gate("volume.grow", { payload: {} });
    expect(alone.body).toMatchObject({ approved: true, decisions: [{ hook_id: ha.id, approved: true, error: "timed out after 800 ms" }] });
  });

  it("uses GATE_TIMEOUT_MS when the hook sets no timeout", async () => {
    const rx = new Receiver();
    await answering(rx, { hang: true });
    await preHook(rx, { events: ["volume.shrink"] });
    const res = await gate("volume.shrink", { payload: {} });
    expect(res.body.decisions[0]).toMatchObject({ approved: false, error: "timed out after 1500 ms" });
    expect(res.body.decisions[0].duration_ms).toBeGreaterThanOrEqual(1490);
  });

  it("calls the gates in parallel: three gates that each answer only once all three were called all approve", async () => {
    // One receiver behind all three: it holds every answer until it has received three calls, so a
    // gate called after another had answered would wait out its timeout and count as an error.
    // (How long a run of parallel gates takes is the bench's to measure, bench/phases/gates.ts.)
    const rx = new Receiver();
    await answering(rx, { ...answer({ approved: true }), after_requests: 3 });
    for (let i = 0; i < 3; i++) await preHook(rx, { events: ["backup.start"], timeout_ms: 5000 });
    const res = await gate("backup.start", { payload: {} });
    expect(res.body.decisions).toHaveLength(3);
    for (const d of res.body.decisions) expect(d).toEqual({ hook_id: expect.any(String), approved: true, duration_ms: expect.any(Number) });
    expect(res.body.approved).toBe(true);
    expect(await gateCalls(rx)).toHaveLength(3);
  });

  it("merges extra answer fields into context, oldest hook first, and takes a gate-supplied work_id over the generated one", async () => {
    const [a, b] = [new Receiver(), new Receiver()];
    await answering(a, answer({ approved: true, user_id: "u-7", project_id: "p-1" }));
    await answering(b, answer({ approved: true, work_id: "ccx-work-991", organisation_id: "org-3", user_id: "ignored" }));
    await preHook(a, { events: ["cluster.delete"] });
    await preHook(b, { events: ["cluster.delete"] });
    const res = await gate("cluster.delete", { payload: { cluster_id: "c-9" }, auth_id: "sess-1" });
    expect(res.body).toMatchObject({
      approved: true,
      work_id: "ccx-work-991",
      context: { user_id: "u-7", project_id: "p-1", organisation_id: "org-3" },
    });
    expect(Object.keys(res.body.context).sort()).toEqual(["organisation_id", "project_id", "user_id"]);
    // the gates were offered a generated work_ id; the answered one won
    const offered = JSON.parse((await gateCalls(a))[0]!.body).work_id;
    expect(offered).toMatch(/^work_/);
    expect(offered).not.toBe("ccx-work-991");

    const record = await call("GET", "/v1/gates/ccx-work-991", { token: key });
    expect(record.status).toBe(200);
    expect(record.body.work_id).toBe("ccx-work-991");
    expect(record.body.events).toEqual([]);
    expect(record.body.gate_runs).toHaveLength(1);
    expect(record.body.gate_runs[0]).toMatchObject({
      type: "cluster.delete",
      approved: true,
      auth_id: "sess-1",
      payload: { cluster_id: "c-9" },
      applications: null,
      context: res.body.context,
      decisions: res.body.decisions,
    });
    expect(record.body.gate_runs[0].id).toBe(JSON.parse((await gateCalls(a))[0]!.body).id);
  });

  it("counts a non-2xx, an unparsable answer and an answer without a boolean approved per on_error", async () => {
    const rxs = [new Receiver(), new Receiver(), new Receiver()];
    await answering(rxs[0]!, answer({ approved: true }, { status: 500 }));
    await answering(rxs[1]!, { status: 200, body: "ok" });
    await answering(rxs[2]!, answer({ approved: "yes", work_id: "nope" }));
    const hooks = [];
    for (const rx of rxs) hooks.push(await preHook(rx, { events: ["node.remove"], on_error: "approve" }));
    const lenient = await gate("node.remove", { payload: {} });
    expect(lenient.body.approved).toBe(true);
    expect(lenient.body.work_id).toMatch(/^work_/);
    expect(lenient.body.decisions.map((d: any) => [d.approved, d.error])).toEqual([
      [true, "HTTP 500"],
      [true, expect.stringContaining("not JSON")],
      [true, expect.stringContaining("`approved` must be a boolean")],
    ]);
    for (const h of hooks) await call("PATCH", `/v1/hooks/${h.id}`, { token: key, body: { on_error: "reject" } });
    const strict = await gate("node.remove", { payload: {} });
    expect(strict.body.approved).toBe(false);
    expect(strict.body.decisions.map((d: any) => [d.approved, d.error])).toEqual([
      [false, "HTTP 500"],
      [false, expect.stringContaining("not JSON")],
      [false, expect.stringContaining("`approved` must be a boolean")],
    ]);
  });

  it("approves with no matching gate, and never uses post hooks, disabled pre-hooks or out-of-scope pre-hooks as gates", async () => {
    const [post, disabled, scoped] = [new Receiver(), new Receiver(), new Receiver()];
    for (const rx of [post, disabled, scoped]) await answering(rx, answer({ approved: false, reason: "should never be asked" }));
    await preHook(post, { events: ["db.*"], phase: "post" });
    await preHook(disabled, { events: ["db.*"], enabled: false });
    await preHook(scoped, { events: ["db.*"], applications: ["other-app"] });
    const res = await gate("db.restore", { payload: { x: 1 }, applications: ["ccx"] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ approved: true, work_id: expect.stringMatching(/^work_[0-9A-Z]{26}$/), decisions: [], context: {} });
    for (const rx of [post, disabled, scoped]) expect(await gateCalls(rx)).toEqual([]);
    // the empty run is recorded too
    const record = await call("GET", `/v1/gates/${res.body.work_id}`, { token: key });
    expect(record.body.gate_runs).toMatchObject([{ type: "db.restore", approved: true, decisions: [] }]);
  });
});

describe("GET /v1/gates/{work_id}", () => {
  it("answers 404 for an unknown work_id and for another account's", async () => {
    const res = await gate("nothing.here", { payload: {} });
    expect(res.status).toBe(200);
    const mine = await call("GET", `/v1/gates/${res.body.work_id}`, { token: key });
    expect(mine.status).toBe(200);
    const other = await newAccount("someone-else");
    const theirs = await call("GET", `/v1/gates/${res.body.work_id}`, { token: other.key });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe("not_found");
    expect((await call("GET", "/v1/gates/work_unknown", { token: key })).status).toBe(404);
  });
});
