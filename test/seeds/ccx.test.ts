import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import ccxCatalog from "../../examples/catalogs/ccx.json";
import { call, newAccount } from "../helpers/api";
import { gateCalls, publish, waitForDeliveryRequests } from "../helpers/delivery";
import { Receiver } from "../helpers/receiver";
import { importCatalog } from "../helpers/seeds";

// The CCX hook service (../shared/seeds/ccx-hook-service.txt), call by call: for each of its four
// calls (create cluster, add node, remove node, delete cluster) the pre-hook request and the
// integrator's response, then the post-hook request carrying the response's work_id, with the seed's
// own fields. add_node is the seed's `test-client` example. hookrouter's pre-hook is a gate
// (POST /v1/gates/{type}), its post-hook an event (POST /v1/events). The mock-hooks side is
// `hookrouter listen` (test/cli/cli.test.ts). Side by side: docs/coming-from/ccx.md.

let key: string;
let preRx: Receiver;
let postRx: Receiver;
let pre: { id: string; secret: string };
let post: { id: string; secret: string };

beforeAll(async () => {
  ({ key } = await newAccount("ccx-seed"));
  await importCatalog(key, ccxCatalog);
  preRx = new Receiver();
  postRx = new Receiver();
  const preHook = await call("POST", "/v1/hooks", { token: key, body: { name: "integrator pre", url: preRx.url("/pre"), phase: "pre", events: ["*"] } });
  const postHook = await call("POST", "/v1/hooks", { token: key, body: { name: "integrator post", url: postRx.url("/post"), events: ["*"] } });
  expect([preHook.status, postHook.status]).toEqual([201, 201]);
  pre = preHook.body;
  post = postHook.body;
});

/** The integrator's pre-hook answers `response` to the next gate call; the gate's verdict and what the integrator received. */
async function preHook(type: string, request: Record<string, unknown>, authId: string, response: Record<string, unknown>) {
  const calledBefore = (await gateCalls(preRx)).length;
  await preRx.script([{ status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(response) }]);
  const verdict = await call("POST", `/v1/gates/${type}`, { token: key, body: { payload: request, auth_id: authId } });
  expect(verdict.status, JSON.stringify(verdict.body)).toBe(200);
  const received = (await gateCalls(preRx))[calledBefore]!;
  expect(new Webhook(pre.secret).verify(received.body, received.headers)).toBeTruthy();
  return { verdict: verdict.body, received: JSON.parse(received.body) };
}

/** The post-hook: the producer publishes the completed work with the work_id; what the integrator received. */
async function postHook(type: string, request: Record<string, unknown>, workId: string, n: number) {
  const event = await publish(key, { type, payload: request, work_id: workId });
  expect(event.deliveries).toBe(1);
  const received = (await waitForDeliveryRequests(postRx, n))[n - 1]!;
  return new Webhook(post.secret).verify(received.body, received.headers) as Record<string, any>;
}

describe("the CCX hook service's four calls", () => {
  it("create cluster: approved with a work_id and the user's ids; the post-hook carries the work_id", async () => {
    const cluster = { cluster_id: "c-1", cluster_name: "orders", datastore_type: "postgres", cloud: "aws", node_count: "3", instance_type: "m5.large" };
    const { verdict, received } = await preHook("create_cluster", cluster, "session-17", {
      approved: true,
      work_id: "w-create-1",
      user_id: "u-17",
      project_id: "p-4",
      organisation_id: "o-2",
    });
    // the integrator receives the cluster details and the requester's auth id
    expect(received).toMatchObject({ type: "create_cluster", data: cluster, auth_id: "session-17" });
    expect(verdict).toMatchObject({ approved: true, work_id: "w-create-1", context: { user_id: "u-17", project_id: "p-4", organisation_id: "o-2" } });
    const done = await postHook("create_cluster", { ...cluster, cluster_status: "ok", node_ids: ["n-1", "n-2", "n-3"] }, verdict.work_id, 1);
    expect(done).toMatchObject({ type: "create_cluster", work_id: "w-create-1", data: { cluster_id: "c-1", cluster_status: "ok", node_ids: ["n-1", "n-2", "n-3"] } });
  });

  it("add node (the seed's test-client example): the integrator can say no", async () => {
    // ccx-hook-service test-client add_node '{"clusterId":"1","cloud":"c1","nodeCount":1,"instanceType":"i1","authId":"a1"}'
    const request = { cluster_id: "1", cloud: "c1", node_count: 1, instance_type: "i1" };
    const refused = await preHook("add_node", request, "a1", { approved: false, work_id: "" });
    expect(refused.received).toMatchObject({ type: "add_node", data: request, auth_id: "a1" });
    expect(refused.verdict.approved).toBe(false);
    const approved = await preHook("add_node", request, "a1", { approved: true, work_id: "w-add-1" });
    expect(approved.verdict).toMatchObject({ approved: true, work_id: "w-add-1" });
    const done = await postHook("add_node", { ...request, node_ids: ["n-4"] }, approved.verdict.work_id, 2);
    expect(done).toMatchObject({ type: "add_node", work_id: "w-add-1", data: { node_ids: ["n-4"] } });
  });

  it("remove node: the pre-hook answers only a work_id (it cannot reject)", async () => {
    const request = { cluster_id: "1", node_id: "n-4" };
    const { verdict } = await preHook("remove_node", request, "a1", { work_id: "w-remove-1" });
    expect(verdict).toMatchObject({ approved: true, work_id: "w-remove-1" });
    const done = await postHook("remove_node", request, verdict.work_id, 3);
    expect(done).toMatchObject({ type: "remove_node", work_id: "w-remove-1", data: request });
  });

  it("delete cluster: a work_id, then the post-hook with its status", async () => {
    const { verdict } = await preHook("delete_cluster", { cluster_id: "c-1" }, "session-17", { work_id: "w-delete-1" });
    expect(verdict).toMatchObject({ approved: true, work_id: "w-delete-1" });
    const done = await postHook("delete_cluster", { cluster_id: "c-1", status: "deleted" }, verdict.work_id, 4);
    expect(done).toMatchObject({ type: "delete_cluster", work_id: "w-delete-1", data: { cluster_id: "c-1", status: "deleted" } });
  });
});
