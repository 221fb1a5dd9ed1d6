import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// Through the package export, as a TypeScript user imports it.
import { CONTRACT_ROUTES, createClient, unwrap } from "hookrouter/client";
import { generateSecret } from "../../src/domain/hook-secret";
import { ADMIN_TOKEN, cli, cliJson, freePort, Listener, startRouter, until, type CliResult, type Router } from "./harness";

// `hookrouter` as a user runs it, against one `wrangler dev` router for the whole file.

let router: Router;
let env: Record<string, string>;
const listeners: Listener[] = [];

function listen(args: string[]): Listener {
  const l = new Listener(args, env);
  listeners.push(l);
  return l;
}

/** A CLI call that must succeed; its --json output parsed. */
const json = <T = any>(args: string[]): Promise<T> => cliJson<T>(args, env);

function expectNoStackTrace(r: CliResult) {
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).not.toMatch(/^\s+at /m);
}

beforeAll(async () => {
  router = await startRouter({
    ADMIN_TOKEN,
    ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    ALLOW_PRIVATE_TARGETS: "true",
    RETRY_SCHEDULE: "1,1,1",
    DELIVERY_TIMEOUT_MS: "2000",
    GATE_TIMEOUT_MS: "2000",
  });
  const home = mkdtempSync(join(tmpdir(), "hookrouter-cli-home-"));
  env = { HOOKROUTER_URL: router.url, HOOKROUTER_CONFIG: join(home, "config.json") };
  // `init` creates the account and key every later command uses (through the saved config).
  const init = await cli(["init"], { ...env, HOOKROUTER_ADMIN_TOKEN: ADMIN_TOKEN });
  expect(init.stderr).toBe("");
  expect(init.code).toBe(0);
  expect(init.stdout).toMatch(/api key\s+hrk_/);
  expect(init.stdout).toContain(`Saved to ${env.HOOKROUTER_CONFIG}`);
}, 120_000);

afterAll(async () => {
  await Promise.all(listeners.map((l) => l.stop("SIGKILL")));
  await router?.stop();
}, 30_000);

describe("listen --register and send", () => {
  it("receives a sent event, reports the signature valid, and deletes its hook on Ctrl-C", async () => {
    const l = listen(["--register", "--port", "0", "--events", "cli.hello"]);
    await l.url();
    const hookId = (await l.waitFor(/registered hook (hook_\w+)/))[1]!;
    expect(l.output).toMatch(/secret whsec_/);

    const sent = await cli(["send", "cli.hello", '{"greeting": "hi"}'], env);
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    const [, eventId, count] = sent.stdout.match(/(evt_\w+)\s+cli\.hello\s+→ (\d+) deliver/)!;
    expect(count).toBe("1");

    // The delivery block names the event and shows the signature verdict.
    const block = (await l.waitFor(new RegExp(`delivery  cli\\.hello[\\s\\S]*?event\\s+${eventId}[\\s\\S]*?signature\\s+(.+)`)))[1]!;
    expect(block).toMatch(/^valid/);
    expect(l.output).toMatch(/attempt\s+1/);
    expect(l.output).toContain('"greeting": "hi"');

    expect(await l.stop("SIGINT")).toBe(0);
    expect(l.output).toContain(`deleted hook ${hookId}`);
    const gone = await cli(["hooks", "get", hookId], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("hook not found (404 not_found)");
    expectNoStackTrace(gone);
  });

  it("reports a signature made with another secret as invalid", async () => {
    const l = listen(["--port", "0", "--secret", generateSecret()]);
    const url = await l.url();
    const hook = await json(["hooks", "create", `${url}/`, "--events", "cli.wrong"]);
    expect(hook.secret).toMatch(/^whsec_/);

    const sent = await cli(["send", "cli.wrong", "{}"], env);
    expect(sent.code).toBe(0);
    const verdict = (await l.waitFor(/delivery  cli\.wrong[\s\S]*?signature\s+(.+)/))[1]!;
    expect(verdict).toMatch(/^INVALID ✘ \(no signature matches the secret\)/);

    const deleted = await cli(["hooks", "delete", hook.id], env);
    expect(deleted.stdout).toContain(`deleted ${hook.id}`);
  });

  it("takes the payload from a file and from standard input, and honours the idempotency key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookrouter-payload-"));
    writeFileSync(join(dir, "p.json"), '{"from": "file"}');
    const fromFile = await json(["send", "cli.nobody", `@${join(dir, "p.json")}`, "--idempotency-key", "cli-idem-1"]);
    const again = await json(["send", "cli.nobody", "{}", "--idempotency-key", "cli-idem-1"]);
    expect(again.id).toBe(fromFile.id);

    const fromStdin = await cli(["send", "cli.nobody", "-"], env, '{"from": "stdin"}');
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toMatch(/evt_\w+\s+cli\.nobody\s+→ 0 deliveries/);
    expect(fromStdin.stdout).not.toContain(fromFile.id);
  });
});

describe("listen flags", () => {
  it("--status, --delay and --json: one JSON line per request, answered as told", async () => {
    const l = listen(["--port", "0", "--status", "202", "--delay", "300ms", "--json"]);
    const url = await l.url();
    const hook = await json(["hooks", "create", `${url}/`, "--events", "cli.json"]);
    const event = await json(["send", "cli.json", '{"k": "v"}']);
    const line = (await l.waitFor(new RegExp(`^\\{.*"event_id":"${event.id}".*\\}$`, "m")))[0];
    const record = JSON.parse(line);
    expect(record).toMatchObject({ kind: "delivery", type: "cli.json", attempt: 1, signature: "unchecked", answered: 202, body: { data: { k: "v" } } });
    expect(record.duration_ms).toBeGreaterThanOrEqual(300);
    await until(async () => (await json(["deliveries", "list", "--event", event.id])).data[0]?.status === "succeeded", "a 202 to count as delivered", 20_000);
    await cli(["hooks", "delete", hook.id], env);
  });
});

describe("retries and manual redelivery", () => {
  it("--fail-rate 1 makes the router retry until the delivery is dead; retry delivers it once the receiver is back", async () => {
    const secret = generateSecret();
    const failing = listen(["--port", "0", "--fail-rate", "1", "--secret", secret]);
    const url = await failing.url();
    const hook = await json(["hooks", "create", `${url}/`, "--events", "cli.retry", "--secret", secret]);
    const event = await json(["send", "cli.retry", '{"n": 1}']);

    // The same webhook-id arrives again: the listener counts the attempts.
    await failing.waitFor(/delivery  cli\.retry[\s\S]*?attempt\s+2[\s\S]*?answered\s+500/);
    const dead = await until(async () => {
      const page = await json(["deliveries", "list", "--event", event.id]);
      return page.data.length === 1 && page.data[0].status === "dead" ? page.data[0] : undefined;
    }, "the delivery to end dead", 45_000);
    const shown = await cli(["deliveries", "get", dead.id], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/status\s+dead/);
    // RETRY_SCHEDULE=1,1,1: four attempts, each answered 500 by the listener.
    expect(shown.stdout.match(/^\d+\s+\S+\s+500\s/gm)?.length).toBe(4);

    const port = new URL(url).port;
    await failing.stop();
    const healthy = listen(["--port", port, "--secret", secret]);
    await healthy.url();
    const retried = await cli(["deliveries", "retry", dead.id], env);
    expect(retried.stderr).toBe("");
    expect(retried.code).toBe(0);
    const verdict = (await healthy.waitFor(/delivery  cli\.retry[\s\S]*?signature\s+(.+)/))[1]!;
    expect(verdict).toMatch(/^valid/);
    await until(async () => (await json(["deliveries", "get", dead.id])).status === "succeeded", "the retried delivery to succeed", 20_000);
    await cli(["hooks", "delete", hook.id], env);
  });
});

describe("targeted sends and replay", () => {
  it("send --hook reaches a hook that does not subscribe to the type; replay --hook delivers the event again as a new delivery", async () => {
    const l = listen(["--port", "0", "--json"]);
    const url = await l.url();
    const hook = await json(["hooks", "create", `${url}/`, "--events", "cli.elsewhere"]);
    const event = await json(["send", "cli.targeted", '{"to": "one"}', "--hook", hook.id]);
    expect(event.deliveries).toBe(1);
    const first = JSON.parse((await l.waitFor(new RegExp(`^\\{.*"event_id":"${event.id}".*\\}$`, "m")))[0]);
    expect(first).toMatchObject({ kind: "delivery", type: "cli.targeted", body: { data: { to: "one" } } });

    // Matching now: the hook does not subscribe to cli.targeted, so only the named replay reaches it.
    const none = await cli(["replay", event.id], env);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/replayed → 0 new deliveries/);
    const replayed = await cli(["replay", event.id, "--hook", hook.id], env);
    expect(replayed.stderr).toBe("");
    expect(replayed.stdout).toMatch(/replayed → 1 new delivery/);
    const newId = /^\s+(dlv_\w+)$/m.exec(replayed.stdout)![1]!;
    await until(async () => (await json(["deliveries", "get", newId])).status === "succeeded", "the replayed delivery to succeed", 20_000);
    const ids = (await json(["deliveries", "list", "--event", event.id])).data.map((d: { id: string }) => d.id);
    expect(ids).toHaveLength(2);
    expect(ids).toContain(newId);
    await cli(["hooks", "delete", hook.id], env);
  });
});

describe("window replay", () => {
  it("replay --hook --from starts a job, prints its progress until done, and the listener gets the window's events again", async () => {
    const l = listen(["--port", "0", "--json"]);
    const url = await l.url();
    const hook = await json(["hooks", "create", `${url}/`, "--events", "cli.window"]);
    const from = new Date(Date.now() - 1000).toISOString();
    const events = [await json(["send", "cli.window", '{"n": 1}']), await json(["send", "cli.window", '{"n": 2}'])];
    await json(["send", "cli.other", "{}"]);
    for (const e of events) await l.waitFor(new RegExp(`"event_id":"${e.id}"`));

    const replayed = await cli(["replay", "--hook", hook.id, "--from", from, "--type", "cli.window"], env);
    expect(replayed.stderr).toBe("");
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(/^rpl_\w+\s+done\s+100%\s+replayed 2, skipped 0 of 2 read \(shards 1\/1\)$/m);
    const jobId = /^(rpl_\w+)/m.exec(replayed.stdout)![1]!;
    for (const e of events) await l.waitFor(new RegExp(`"event_id":"${e.id}"[\\s\\S]*"event_id":"${e.id}"`));
    const shown = await json(["replay", "--hook", hook.id, "--job", jobId]);
    expect(shown).toMatchObject({ id: jobId, status: "done", counts: { replayed: 2 }, event_types: ["cli.window"] });
    const listed = await cli(["replay", "--hook", hook.id, "--list"], env);
    expect(listed.stdout).toMatch(new RegExp(`^${jobId}\\s+done\\s+100%\\s+replayed 2`, "m"));
    expect((await json(["replay", "--hook", hook.id, "--list"])).map((j: any) => j.id)).toEqual([jobId]);

    const bad = await cli(["replay", "--hook", hook.id], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/needs --from/);
    await cli(["hooks", "delete", hook.id], env);
  });
});

describe("gate", () => {
  it("prints approved when the listener approves and rejected with the reason when it rejects", async () => {
    const approving = listen(["--register", "--pre", "--port", "0", "--events", "cli.create_cluster,cli.cluster_created"]);
    await approving.url();
    await approving.waitFor(/registered pre-hook \(gate\) (hook_\w+)/);
    const approved = await cli(["gate", "cli.create_cluster", '{"node_count": 3}', "--auth-id", "session-1"], env);
    expect(approved.stderr).toBe("");
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/^APPROVED  work_id work_\w+/);
    expect(approved.stdout).toMatch(/hook_\w+\s+approved/);
    const call = (await approving.waitFor(/gate call  cli\.create_cluster[\s\S]*?signature\s+(.+)/))[1]!;
    expect(call).toMatch(/^valid/);
    expect(approving.output).toContain('"auth_id": "session-1"');
    // The gate's loop: the post-hook delivery of the finished work carries the gate's work_id.
    const workId = approved.stdout.match(/work_id (work_\w+)/)![1]!;
    const done = await cli(["send", "cli.cluster_created", '{"cluster_id": "c-1"}', "--work-id", workId], env);
    expect(done.stdout).toMatch(/→ 1 delivery/);
    await approving.waitFor(new RegExp(`delivery  cli\\.cluster_created[\\s\\S]*?"work_id": "${workId}"`));
    expect(await approving.stop()).toBe(0);

    const rejecting = listen(["--register", "--pre", "--port", "0", "--events", "cli.create_cluster", "--reject", "too many nodes"]);
    await rejecting.url();
    await rejecting.waitFor(/registered pre-hook/);
    const rejected = await cli(["gate", "cli.create_cluster", '{"node_count": 9}'], env);
    expect(rejected.code).toBe(3);
    expect(rejected.stdout).toMatch(/^REJECTED/);
    expect(rejected.stdout).toMatch(/hook_\w+\s+rejected\s+\d+ ms\s+too many nodes/);
    const asJson = await cli(["gate", "cli.create_cluster", "{}", "--json"], env);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ approved: false, decisions: [{ approved: false, reason: "too many nodes" }] });
    expect(await rejecting.stop("SIGTERM")).toBe(0);
    expect(rejecting.output).toMatch(/SIGTERM: stopping[\s\S]*deleted hook hook_\w+[\s\S]*deleted hook hook_\w+/);
  });
});

describe("hooks", () => {
  it("lists, shows and tests hooks", async () => {
    const l = listen(["--port", "0"]);
    const url = await l.url();
    const created = await json(["hooks", "create", `${url}/`, "--name", "cli-list-me", "--events", "cli.listed"]);
    const table = await cli(["hooks", "list", "--event", "cli.listed"], env);
    expect(table.stdout).toMatch(new RegExp(`^${created.id}\\s+cli-list-me\\s+post\\s+\\w+\\s+yes\\s+cli\\.listed\\s+${url}/$`, "m"));
    const page = await json(["hooks", "list", "--event", "cli.listed"]);
    expect(page.data.map((h: { id: string }) => h.id)).toEqual([created.id]);
    const got = await cli(["hooks", "get", created.id], env);
    expect(got.stdout).toMatch(/name\s+cli-list-me/);

    const tested = await cli(["hooks", "test", created.id], env);
    expect(tested.stderr).toBe("");
    expect(tested.code).toBe(0);
    expect(tested.stdout).toMatch(/✔ test delivered[\s\S]*status\s+200/);
    await l.waitFor(/test  cli\.listed/);
    await cli(["hooks", "delete", created.id], env);
  });

  it("creates a FIFO hook and updates its ordering", async () => {
    const created = await json(["hooks", "create", "http://127.0.0.1:9/fifo", "--events", "cli.fifo", "--ordering", "fifo", "--on-dead", "block"]);
    expect(created).toMatchObject({ ordering: "fifo", ordering_on_dead: "block" });
    const shown = await cli(["hooks", "get", created.id], env);
    expect(shown.stdout).toMatch(/ordering\s+fifo \(a dead delivery: block\)/);
    const updated = await cli(["hooks", "update", created.id, "--ordering", "none"], env);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toMatch(/ordering\s+none/);
    const wrong = await cli(["hooks", "update", created.id, "--ordering", "lifo"], env);
    expect(wrong.code).toBe(2);
    expect((await cli(["hooks", "update", created.id], env)).stderr).toContain("nothing to change");
    await cli(["hooks", "delete", created.id], env);
  });
});

describe("catalog", () => {
  it("imports a seed system's catalog file into an account, twice without harm, and lists it", async () => {
    // An account of its own: a catalog limits the account's event names, and the other tests use theirs.
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
    const account = (await (await fetch(`${router.url}/v1/accounts`, { method: "POST", headers: admin, body: '{"name":"huskar"}' })).json()) as { id: string };
    const apiKey = ((await (await fetch(`${router.url}/v1/accounts/${account.id}/keys`, { method: "POST", headers: admin, body: '{"name":"cli"}' })).json()) as { key: string }).key;
    const as = ["--api-key", apiKey];

    const dry = await cli(["catalog", "import", "examples/catalogs/huskar.json", "--dry-run", ...as], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("44 event types checked; nothing imported (--dry-run)");
    expect((await json(["catalog", "list", ...as])).data).toEqual([]);

    const imported = await cli(["catalog", "import", "examples/catalogs/huskar.json", ...as], env);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^CREATE_TEAM\s+no\s+payload\.application_names$/m);
    expect(imported.stdout).toContain("✔ imported 44 event types from examples/catalogs/huskar.json");
    expect((await json(["catalog", "import", "examples/catalogs/huskar.json", ...as])).imported).toBe(44);
    const listed = (await json(["catalog", "list", ...as])).data as Array<{ name: string; application_level: boolean; applications_path: string }>;
    expect(listed).toHaveLength(44);
    expect(listed.find((t) => t.name === "UPDATE_SWITCH")).toMatchObject({ application_level: true, applications_path: "application_names" });
    // --built-in: hookrouter's operational event types follow the account's.
    const withBuiltIn = (await json(["catalog", "list", "--built-in", ...as])).data as Array<{ name: string; built_in: boolean }>;
    expect(withBuiltIn).toHaveLength(49);
    expect(withBuiltIn.filter((t) => t.built_in).map((t) => t.name)).toContain("hookrouter.hook.circuit_opened");

    // A file that is not a catalog is refused before anything is sent.
    const dir = mkdtempSync(join(tmpdir(), "hookrouter-catalog-"));
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ event_types: [{ name: "a.b", level: true }] }));
    const bad = await cli(["catalog", "import", join(dir, "bad.json"), ...as], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("event_types[0] (a.b) has unknown field(s): level");
    expectNoStackTrace(bad);
  });
});

describe("keys", () => {
  it("creates a scoped key shown once, lists it, refuses a stronger one, and revokes it", async () => {
    const created = await cli(["keys", "create", "cli-reader", "--scope", "hooks:read,keys:read", "--application", "alpha"], env);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const [, id, key] = created.stdout.match(/^(key_\w+)\s+scopes hooks:read,keys:read\s+applications alpha\n(hrk_\S+)$/m)!;
    const listed = await cli(["keys", "list"], env);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+cli-reader\\s+hrk_\\S+\\s+hooks:read,keys:read\\s+alpha\\s+-$`, "m"));
    expect(listed.stdout).not.toContain(key);

    // The reader's key may read hooks, not write them, nor mint a key.
    expect((await cli(["hooks", "list", "--api-key", key!], env)).code).toBe(0);
    const write = await cli(["hooks", "create", "http://127.0.0.1:9/", "--api-key", key!], env);
    expect(write.code).toBe(1);
    expect(write.stderr).toMatch(/lacks the scope hooks:write.*\(403 insufficient_scope\)/);
    expect(write.stderr).toContain("hookrouter keys list");
    expectNoStackTrace(write);
    const mint = await cli(["keys", "create", "more", "--api-key", key!], env);
    expect(mint.code).toBe(1);
    expect(mint.stderr).toContain("keys:write");

    const unknown = await cli(["keys", "create", "bad", "--scope", "hooks:everything"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("(400 validation_failed)");

    expect((await json(["keys", "revoke", id!])).revoked_at).not.toBeNull();
    expect((await cli(["hooks", "list", "--api-key", key!], env)).stderr).toContain("(401 unauthorized)");
  });
});

describe("errors a user can act on, not stack traces", () => {
  it("connection refused names the URL and says how to start the router", async () => {
    const r = await cli(["hooks", "list"], { ...env, HOOKROUTER_URL: `http://127.0.0.1:${await freePort()}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach hookrouter at http:\/\/127\.0\.0\.1:\d+: connection refused/);
    expect(r.stderr).toContain("npm run dev");
    expectNoStackTrace(r);
  });

  it("a refused API key is a 401 with a hint", async () => {
    const r = await cli(["hooks", "list", "--api-key", "hrk_not_a_real_key_0000000000"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("(401 unauthorized)");
    expect(r.stderr).toContain("The API key from --api-key was refused");
    expectNoStackTrace(r);
  });

  it("validation errors show the API's message and details", async () => {
    const r = await cli(["hooks", "create", "http://127.0.0.1:9/", "--events", "not valid!", "--phase", "pre"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/events\.0: event names and patterns match .* \(400 validation_failed\)/);
    expectNoStackTrace(r);
  });

  it("init does nothing more while the saved key works", async () => {
    const again = await cli(["init"], { ...env, HOOKROUTER_ADMIN_TOKEN: ADMIN_TOKEN });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Already set up: the key saved in ${env.HOOKROUTER_CONFIG} works for ${router.url}.`);
  });

  it("bad command lines exit 2 with a hint", async () => {
    const bad = await cli(["send", "cli.x", "{not json"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("the payload argument is not valid JSON");
    const unknown = await cli(["hooks", "frobnicate"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "hooks frobnicate"');
  });
});

describe("the typed client (hookrouter/client)", () => {
  it("works on its own: typed calls, parsed answers, API errors as HookrouterApiError", async () => {
    const saved = JSON.parse(readFileSync(env.HOOKROUTER_CONFIG!, "utf8")) as { api_key: string };
    const api = createClient({ url: router.url, apiKey: saved.api_key });
    const created = await unwrap(api.v1.hooks.$post({ json: { name: "client-typed", url: "http://127.0.0.1:9/", events: ["cli.client"] } }));
    expect(created.secret).toMatch(/^whsec_/);
    const page = await unwrap(api.v1.hooks.$get({ query: { event: "cli.client" } }));
    expect(page.data.map((h) => h.name)).toEqual(["client-typed"]);
    await unwrap(api.v1.hooks[":id"].$delete({ param: { id: created.id } }));
    await expect(unwrap(api.v1.hooks[":id"].$get({ param: { id: created.id } }))).rejects.toMatchObject({
      name: "HookrouterApiError",
      status: 404,
      code: "not_found",
    });
  });


  it("names only routes the router serves, with the same methods", async () => {
    // Read from the router's own OpenAPI document: a route renamed or removed on the server fails here.
    const doc = (await (await fetch(`${router.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const served = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)));
    const offered = Object.entries(CONTRACT_ROUTES).flatMap(([path, methods]) => methods.map((m) => `${m.toUpperCase()} ${path.replace(/:(\w+)/g, "{$1}")}`));
    expect(offered.length).toBeGreaterThan(10);
    expect(offered.filter((r) => !served.has(r))).toEqual([]);
  });
});
