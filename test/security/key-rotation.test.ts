import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { SealedIn, SecretBox } from "../../src/crypto/secret-box";
import { getDb } from "../../src/db/client";
import { resealHooks } from "../../src/db/sealed-secrets";
import { ADMIN_TOKEN, call, expectErrorShape, newAccount } from "../helpers/api";
import { Receiver } from "../helpers/receiver";
import { freshKey, reencryptAll as reencryptAllUnder, sealedColumns } from "../helpers/sealed";

// This project runs after a rotation: ENCRYPTION_KEY is a new key and the api project's key is in
// ENCRYPTION_KEYS_PREVIOUS. Values sealed before the rotation are made here with the old key, as
// they would sit in the database, then re-encrypted through the admin endpoint.

const bindings = env as unknown as { DB: D1Database; ENCRYPTION_KEY: string; ENCRYPTION_KEYS_PREVIOUS: string };
const db = bindings.DB;
const oldBox = await SecretBox.create(bindings.ENCRYPTION_KEYS_PREVIOUS);
const newBox = await SecretBox.create(bindings.ENCRYPTION_KEY);
const strayBox = await SecretBox.create(btoa(String.fromCharCode(...new Array(32).fill(7))));

const reencryptAll = (limit: number) => reencryptAllUnder(limit, newBox.currentKeyId);

describe("rotating ENCRYPTION_KEY", () => {
  it("re-seals every hook secret, previous secret and Slack token in bounded batches; every hook stays readable and deliverable", async () => {
    const { accountId } = await newAccount("rotated");
    const setupKey = await freshKey(accountId);
    const receivers: Receiver[] = [];
    const hooks: Array<{ id: string; secret: string; previous?: string }> = [];
    for (let i = 0; i < 7; i++) {
      const rx = new Receiver();
      await rx.script([], { status: 200, body: JSON.stringify({ approved: true }), headers: { "content-type": "application/json" } });
      const created = await call("POST", "/v1/hooks", {
        token: setupKey,
        body: { name: `gate-${i}`, url: rx.url("/gate"), phase: "pre", events: ["cluster.delete"] },
      });
      expect(created.status).toBe(201);
      receivers.push(rx);
      hooks.push({ id: created.body.id, secret: created.body.secret });
    }
    // As stored before the rotation: every secret sealed with the old key; two hooks are in a
    // secret rotation's grace period, so they hold a previous secret (old key) as well.
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    for (const [i, h] of hooks.entries()) {
      if (i < 2) h.previous = "whsec_" + btoa(`previous-secret-of-hook-${i}-xx`);
      await db
        .prepare("update hooks set secret_sealed = ?, previous_secret_sealed = ?, previous_secret_expires_at = ? where id = ?")
        .bind(await oldBox.seal(h.secret, SealedIn.hookSecret(h.id)), h.previous ? await oldBox.seal(h.previous, SealedIn.hookPreviousSecret(h.id)) : null, h.previous ? expiresAt : null, h.id)
        .run();
    }
    const slackToken = "xoxb-rotation-test-token-0123456789";
    await db
      .prepare("insert into slack_connections (account_id, team_id, team_name, bot_user_id, token_sealed, status, created_at, updated_at) values (?, 'T1', 'Team', null, ?, 'connected', ?, ?)")
      .bind(accountId, await oldBox.seal(slackToken, SealedIn.slackToken(accountId)), expiresAt, expiresAt)
      .run();

    const before = await call("GET", "/v1/admin/encryption-keys", { token: ADMIN_TOKEN });
    expect(before.status).toBe(200);
    const oldUsage = before.body.keys.find((k: { id: string }) => k.id === oldBox.currentKeyId);
    expect(oldUsage).toMatchObject({ current: false, configured: true });
    expect(oldUsage.sealed_values).toBeGreaterThanOrEqual(7 + 2 + 1);

    // One batch of 3: part is under the new key, part under the old one, and all of it reads.
    const first = await call("POST", "/v1/admin/reencrypt", { token: ADMIN_TOKEN, body: { limit: 3 } });
    expect(first.status).toBe(200);
    expect(first.body.scanned).toBe(3);
    expect(first.body.next_cursor).toMatch(/^hooks:hook_/);
    const midKey = await freshKey(accountId);
    const keyIds = new Set<string>();
    for (const h of hooks) {
      const s = await call("GET", `/v1/hooks/${h.id}/secret`, { token: midKey });
      expect(s.status).toBe(200);
      expect(s.body.secret).toBe(h.secret);
      expect(s.body.previous_secret).toBe(h.previous ?? null);
      keyIds.add(SecretBox.keyIdOf((await sealedColumns(h.id))!.secret_sealed)!);
    }
    expect(keyIds).toEqual(new Set([oldBox.currentKeyId, newBox.currentKeyId]));

    // The rest, batch by batch, to the end (a second full pass finds nothing left to do).
    const rest = await reencryptAll(3);
    expect(rest.calls).toBeGreaterThanOrEqual(2);
    expect(rest.unreadable.filter((u) => u.id === accountId || hooks.some((h) => h.id === u.id))).toEqual([]);
    expect((await reencryptAll(50)).resealed).toBe(0);

    for (const h of hooks) {
      const row = (await sealedColumns(h.id))!;
      expect(newBox.isCurrent(row.secret_sealed)).toBe(true);
      expect(await newBox.open(row.secret_sealed, SealedIn.hookSecret(h.id))).toBe(h.secret);
      if (h.previous) expect(await newBox.open(row.previous_secret_sealed!, SealedIn.hookPreviousSecret(h.id))).toBe(h.previous);
      else expect(row.previous_secret_sealed).toBeNull();
    }
    const slack = await db.prepare("select token_sealed from slack_connections where account_id = ?").bind(accountId).first<{ token_sealed: string }>();
    expect(newBox.isCurrent(slack!.token_sealed)).toBe(true);
    expect(await newBox.open(slack!.token_sealed, SealedIn.slackToken(accountId))).toBe(slackToken);
    const after = await call("GET", "/v1/admin/encryption-keys", { token: ADMIN_TOKEN });
    expect(after.body.keys.find((k: { id: string }) => k.id === oldBox.currentKeyId)?.sealed_values ?? 0).toBe(0);

    // Deliverable: a gate call signs a request for every hook with its (re-sealed) secret, and the
    // receivers verify the signatures with the secrets they were given before the rotation.
    const afterKey = await freshKey(accountId);
    const gate = await call("POST", "/v1/gates/cluster.delete", { token: afterKey, body: { payload: { cluster: "c-1" } } });
    expect(gate.status).toBe(200);
    expect(gate.body.approved).toBe(true);
    expect(gate.body.decisions).toHaveLength(hooks.length);
    for (const [i, h] of hooks.entries()) {
      // (A hook's creation also sent it a test delivery: the gate call is the one carrying the payload.)
      const req = (await receivers[i]!.requests()).find((r) => r.body.includes('"cluster":"c-1"'));
      expect(req, `hook ${i} received no gate call`).toBeDefined();
      for (const secret of [h.secret, ...(h.previous ? [h.previous] : [])]) {
        expect(() => new Webhook(secret).verify(req!.body, req!.headers)).not.toThrow();
      }
      expect(req!.headers["webhook-signature"]!.split(" ")).toHaveLength(h.previous ? 2 : 1);
    }
  });

  it("reports a value no configured key opens, leaves it untouched, and still finishes", async () => {
    const { accountId } = await newAccount("stray");
    const key = await freshKey(accountId);
    const rx = new Receiver();
    const created = await call("POST", "/v1/hooks", { token: key, body: { name: "stray", url: rx.url() } });
    expect(created.status).toBe(201);
    expect(await rx.waitFor(1)).toHaveLength(1); // the creation's own test delivery is done before the secret is swapped
    const straySealed = await strayBox.seal(created.body.secret, SealedIn.hookSecret(created.body.id));
    await db.prepare("update hooks set secret_sealed = ? where id = ?").bind(straySealed, created.body.id).run();

    const done = await reencryptAll(2);
    const mine = done.unreadable.filter((u) => u.id === created.body.id);
    expect(mine).toEqual([{ table: "hooks", id: created.body.id, error: expect.stringContaining(strayBox.currentKeyId) }]);
    expect((await sealedColumns(created.body.id))!.secret_sealed).toBe(straySealed);
    const usage = await call("GET", "/v1/admin/encryption-keys", { token: ADMIN_TOKEN });
    expect(usage.body.keys.find((k: { id: string }) => k.id === strayBox.currentKeyId)).toEqual({
      id: strayBox.currentKeyId,
      current: false,
      configured: false,
      sealed_values: 1,
    });
    await db.prepare("delete from hooks where id = ?").bind(created.body.id).run();
  });

  it("never overwrites a secret that changed after the batch read it", async () => {
    const { accountId } = await newAccount("racing");
    const key = await freshKey(accountId);
    const rx = new Receiver();
    const created = await call("POST", "/v1/hooks", { token: key, body: { name: "racing", url: rx.url() } });
    expect(created.status).toBe(201);
    expect(await rx.waitFor(1)).toHaveLength(1);
    const id: string = created.body.id;
    const stale = { id, secretSealed: await oldBox.seal(created.body.secret, SealedIn.hookSecret(id)), previousSecretSealed: null };
    await db.prepare("update hooks set secret_sealed = ? where id = ?").bind(stale.secretSealed, id).run();
    // The batch read `stale`; meanwhile the account sets a new secret (sealed with the new key).
    const newer = "whsec_" + btoa("a-brand-new-secret-set-meanwhile");
    expect((await call("PATCH", `/v1/hooks/${id}`, { token: key, body: { secret: newer } })).status).toBe(200);
    const written = await resealHooks(getDb(db), [{ from: stale, to: { ...stale, secretSealed: await newBox.seal(created.body.secret, SealedIn.hookSecret(id)) } }]);
    expect(written).toBe(0);
    expect(await newBox.open((await sealedColumns(id))!.secret_sealed, SealedIn.hookSecret(id))).toBe(newer);
  });

  it("validates its input", async () => {
    expectErrorShape(await call("POST", "/v1/admin/reencrypt", { token: ADMIN_TOKEN, body: { limit: 0 } }), 400, "validation_failed");
    expectErrorShape(await call("POST", "/v1/admin/reencrypt", { token: ADMIN_TOKEN, body: { cursor: "accounts:x" } }), 400, "validation_failed");
    expectErrorShape(await call("POST", "/v1/admin/reencrypt", { token: ADMIN_TOKEN, body: { limit: 5, extra: 1 } }), 400, "validation_failed");
    const noBody = await call("POST", "/v1/admin/reencrypt", { token: ADMIN_TOKEN });
    expect(noBody.status).toBe(200);
    expect(noBody.body.current_key_id).toBe(newBox.currentKeyId);
  });
});
