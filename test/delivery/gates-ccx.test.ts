import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import { call, callAnsweredFirst, newAccount } from "../helpers/api";
import { gateCalls } from "../helpers/delivery";
import { logShard } from "../helpers/log";
import { Receiver, eventually, type ReceivedRequest } from "../helpers/receiver";

// The CCX hook service's pre/post loop (../shared/seeds/ccx-hook-service.txt), end to end: a pre-hook
// approves create-cluster only for node_count <= 5 and answers a work_id plus the requester's user,
// project and organisation; the producer then publishes the completed work with that work_id, the
// post-hook delivery carries it, and GET /v1/gates/{work_id} shows the gate run and the event.

interface CreateCluster {
  cluster_id: string;
  cluster_name: string;
  datastore_type: string;
  cloud: string;
  node_count: number;
  instance_type: string;
}

/** The integrator's policy, as its pre-hook endpoint would apply it. */
function ccxPolicy(req: CreateCluster, workId: string) {
  return req.node_count <= 5
    ? { approved: true, work_id: workId, user_id: "user-17", project_id: "proj-4", organisation_id: "org-2" }
    : { approved: false, reason: `node_count ${req.node_count} is over the limit of 5` };
}

let key: string;
let accountId: string;
let preRx: Receiver;
let postRx: Receiver;
let preHook: { id: string; secret: string };
let postHook: { id: string; secret: string };

beforeAll(async () => {
  ({ key, accountId } = await newAccount("ccx"));
  preRx = new Receiver();
  postRx = new Receiver();
  const pre = await call("POST", "/v1/hooks", {
    token: key,
    body: { name: "ccx-pre", url: preRx.url("/pre"), events: ["cluster.create"], phase: "pre", on_error: "reject", timeout_ms: 3000 },
  });
  const post = await call("POST", "/v1/hooks", { token: key, body: { name: "ccx-post", url: postRx.url("/post"), events: ["cluster.*"] } });
  expect([pre.status, post.status]).toEqual([201, 201]);
  preHook = { id: pre.body.id, secret: pre.body.secret };
  postHook = { id: post.body.id, secret: post.body.secret };
});

/** Asks the gate, with the pre-hook receiver scripted to answer what the CCX policy says for this request. */
async function askGate(cluster: CreateCluster, authId: string, integratorWorkId: string) {
  await preRx.script([], { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(ccxPolicy(cluster, integratorWorkId)) });
  return call("POST", "/v1/gates/cluster.create", { token: key, body: { payload: cluster, applications: ["ccx"], auth_id: authId } });
}

const bodyOf = (r: ReceivedRequest) => JSON.parse(r.body) as Record<string, any>;

describe("CCX create-cluster: pre-hook gate, then post-hook with the same work_id", () => {
  const small: CreateCluster = { cluster_id: "c-small", cluster_name: "orders", datastore_type: "postgres", cloud: "aws", node_count: 3, instance_type: "m5.large" };
  const big: CreateCluster = { ...small, cluster_id: "c-big", cluster_name: "everything", node_count: 9 };

  it("runs the whole loop", async () => {
    // 1. the gate approves a 3-node cluster and answers the integrator's work_id and ids
    const approved = await askGate(small, "sess-alice", "ccx-work-0001");
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({
      approved: true,
      work_id: "ccx-work-0001",
      decisions: [{ hook_id: preHook.id, approved: true, duration_ms: expect.any(Number) }],
      context: { user_id: "user-17", project_id: "proj-4", organisation_id: "org-2" },
    });
    const gateCall = await gateCalls(preRx);
    expect(gateCall).toHaveLength(1);
    expect(new Webhook(preHook.secret).verify(gateCall[0]!.body, gateCall[0]!.headers)).toBeTruthy();
    expect(bodyOf(gateCall[0]!)).toMatchObject({ type: "cluster.create", data: small, auth_id: "sess-alice", applications: ["ccx"] });

    // 2. the same gate rejects a 9-node cluster, with its reason; the producer stops there
    const rejected = await askGate(big, "sess-bob", "ccx-work-0002");
    expect(rejected.body).toMatchObject({
      approved: false,
      decisions: [{ hook_id: preHook.id, approved: false, reason: "node_count 9 is over the limit of 5" }],
      context: {},
    });
    expect(rejected.body.work_id).toMatch(/^work_[0-9A-Z]{26}$/);
    const gateBodies = (await gateCalls(preRx)).map(bodyOf);
    expect(gateBodies.map((b) => b.data.node_count)).toEqual([3, 9]);

    // 3. the work is done: the producer publishes it with the gate's work_id
    const published = await call("POST", "/v1/events", {
      token: key,
      body: {
        type: "cluster.create",
        payload: { ...small, cluster_status: "ok", node_ids: ["n-1", "n-2", "n-3"] },
        applications: ["ccx"],
        work_id: approved.body.work_id,
      },
    });
    expect(published.status).toBe(202);
    const eventId: string = published.body.id;

    // 4. the post-hook delivery carries that work_id, signed like every delivery
    const delivered = await eventually(async () => (await postRx.requests()).find((r) => r.body.includes(eventId)));
    expect(delivered).toBeTruthy();
    expect(new Webhook(postHook.secret).verify(delivered!.body, delivered!.headers)).toBeTruthy();
    expect(bodyOf(delivered!)).toMatchObject({
      id: eventId,
      type: "cluster.create",
      work_id: "ccx-work-0001",
      data: { cluster_id: "c-small", cluster_status: "ok", node_ids: ["n-1", "n-2", "n-3"] },
    });

    // 5. GET /v1/gates/{work_id} shows the gate run and the event
    const record = await call("GET", "/v1/gates/ccx-work-0001", { token: key });
    expect(record.status).toBe(200);
    expect(record.body.gate_runs).toHaveLength(1);
    expect(record.body.gate_runs[0]).toMatchObject({
      type: "cluster.create",
      approved: true,
      auth_id: "sess-alice",
      payload: small,
      context: { user_id: "user-17", project_id: "proj-4", organisation_id: "org-2" },
    });
    expect(record.body.events).toEqual([
      { id: eventId, type: "cluster.create", applications: ["ccx"], work_id: "ccx-work-0001", idempotency_key: null, created_at: expect.any(String) },
    ]);

    // the rejected run is recorded under its own generated work_id, with no event
    const rejectedRecord = await call("GET", `/v1/gates/${rejected.body.work_id}`, { token: key });
    expect(rejectedRecord.body.gate_runs).toMatchObject([{ approved: false, auth_id: "sess-bob", payload: big }]);
    expect(rejectedRecord.body.events).toEqual([]);
  });

  it("never queues a delivery to a pre-hook: the event reaches the post-hook only", async () => {
    const published = await call("POST", "/v1/events", { token: key, body: { type: "cluster.create", payload: { cluster_id: "c-x" } } });
    expect(published.status).toBe(202);
    const eventId: string = published.body.id;
    const delivered = await eventually(async () => (await postRx.requests()).find((r) => r.body.includes(eventId)));
    expect(delivered).toBeTruthy();
    // Every delivery the event has, as its log stores it (not an API listing's view of them).
    const stored = await logShard(accountId).event(eventId);
    expect(stored!.deliveries.map((d) => d.hookId)).toEqual([postHook.id]);
    expect((await preRx.requests()).filter((r) => r.body.includes(eventId))).toEqual([]);
  });

  it("skips a queued delivery whose hook became a pre-hook before it was sent", async () => {
    const rx = new Receiver();
    // the first attempt fails, so the delivery waits for its retry (RETRY_SCHEDULE=1,1,1 here)
    await rx.script([{ status: 500, body: "down" }], { status: 200, body: "ok" });
    const hook = await call("POST", "/v1/hooks", { token: key, body: { name: "turns-pre", url: rx.url(), events: ["node.add"] } });
    expect(hook.status).toBe(201);
    // Answered at once: the retry comes 1 s later, from the publishing Worker or the queue, after the change below.
    const published = await callAnsweredFirst("POST", "/v1/events", { token: key, body: { type: "node.add", payload: { cluster_id: "c-small", node_id: "n-4" } } });
    expect(published.body.deliveries).toBe(1);
    const eventId: string = published.body.id;
    const first = await eventually(async () => (await rx.requests()).filter((r) => r.body.includes(eventId)).length === 1);
    expect(first).toBe(true);
    const patched = await call("PATCH", `/v1/hooks/${hook.body.id}`, { token: key, body: { phase: "pre" } });
    expect(patched.body.phase).toBe("pre");
    await published.done;
    const settled = await eventually(async () => {
      const list = await call("GET", `/v1/deliveries?event_id=${eventId}`, { token: key });
      return list.body.data[0]?.status === "skipped" ? list.body.data[0] : null;
    });
    expect(settled).toMatchObject({ hook_id: hook.body.id, status: "skipped", attempts: 1 });
    expect((await rx.requests()).filter((r) => r.body.includes(eventId))).toHaveLength(1);
  });

  it("lists events published under a work_id no gate issued (the producer may generate it)", async () => {
    const published = await call("POST", "/v1/events", {
      token: key,
      body: { type: "cluster.delete", payload: { cluster_id: "c-old", status: "deleted" }, work_id: "producer-made-77" },
    });
    expect(published.status).toBe(202);
    const delivered = await eventually(async () => (await postRx.requests()).find((r) => r.body.includes(published.body.id)));
    expect(bodyOf(delivered!).work_id).toBe("producer-made-77");
    const record = await call("GET", "/v1/gates/producer-made-77", { token: key });
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({ work_id: "producer-made-77", gate_runs: [], events: [{ id: published.body.id, type: "cluster.delete" }] });
    // another account cannot read it
    const other = await newAccount("not-ccx");
    expect((await call("GET", "/v1/gates/producer-made-77", { token: other.key })).status).toBe(404);
  });
});
