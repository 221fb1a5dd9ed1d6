import { env } from "cloudflare:workers";
import { inject } from "vitest";
import { SealedIn, secretBoxFor } from "../../src/crypto/secret-box";
import { getDb } from "../../src/db/client";
import { insertHook } from "../../src/db/hooks";
import type { HookRow } from "../../src/db/schema";
import { newId } from "../../src/domain/ids";
import { getConfig, type Env } from "../../src/env";
import type { ScriptedSlackAnswer, SlackCallRecord } from "../setup/fake-slack-server";
import { call } from "./api";

/** A GET as a browser makes it (Accept: text/html): the OAuth callback then answers its HTML page. */
export function browse(path: string) {
  return call("GET", path, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
}

/** One workspace on the shared fake Slack: its own id, script, tokens and call log. */
export class FakeSlackTeam {
  readonly id: string;
  readonly base: string;
  constructor() {
    this.id = `T${crypto.randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`;
    this.base = `http://127.0.0.1:${inject("fakeSlackPort")}`;
    this.name = `Workspace ${this.id}`;
  }

  /** The workspace name; the fake's default until `rename` changes it. */
  name: string;

  async rename(name: string): Promise<void> {
    const res = await fetch(`${this.base}/_control/name/${this.id}`, { method: "PUT", body: JSON.stringify({ name }) });
    if (!res.ok) throw new Error(`rename failed: ${res.status}`);
    this.name = name;
  }

  /** chat.postMessage answers these, in order, before answering normally again. */
  async script(answers: ScriptedSlackAnswer[]): Promise<void> {
    const res = await fetch(`${this.base}/_control/script/${this.id}`, { method: "PUT", body: JSON.stringify({ answers }) });
    if (!res.ok) throw new Error(`script failed: ${res.status}`);
  }

  /** Revokes every token of the workspace, as an admin uninstalling the app does. */
  async revokeAll(): Promise<void> {
    await fetch(`${this.base}/_control/revoke/${this.id}`, { method: "POST" });
  }

  async calls(method?: string): Promise<SlackCallRecord[]> {
    const all = (await (await fetch(`${this.base}/_control/calls/${this.id}`)).json()) as SlackCallRecord[];
    return method ? all.filter((c) => c.method === method) : all;
  }

  async tokens(): Promise<Array<{ token: string; revoked: boolean; scope: string }>> {
    return (await fetch(`${this.base}/_control/tokens/${this.id}`)).json() as Promise<Array<{ token: string; revoked: boolean; scope: string }>>;
  }

  /**
   * What a user's browser does with a connect URL: opens it at Slack (choosing this workspace),
   * approves (or cancels), and follows Slack's redirect back to hookrouter's callback.
   */
  async authorize(connectUrl: string, opts: { deny?: boolean } = {}): Promise<{ callbackPath: string }> {
    const url = new URL(connectUrl);
    url.searchParams.set("team", this.id);
    if (opts.deny) url.searchParams.set("deny", "1");
    const res = await fetch(url, { redirect: "manual" });
    if (res.status !== 302) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
    const back = new URL(res.headers.get("location")!);
    return { callbackPath: back.pathname + back.search };
  }

  /** The whole connection flow for an account: connect URL → Slack → callback. */
  async connect(apiKey: string): Promise<{ status: number; page: string }> {
    const urlAnswer = await call("GET", "/v1/slack/connect-url", { token: apiKey });
    if (urlAnswer.status !== 200) throw new Error(`connect-url: ${urlAnswer.status} ${JSON.stringify(urlAnswer.body)}`);
    const { callbackPath } = await this.authorize(urlAnswer.body.url);
    const page = await browse(callbackPath);
    return { status: page.status, page: String(page.body) };
  }
}

/** A valid slack hook row written straight to D1 (no automatic test, so the fake sees only what the test sends). */
export async function insertSlackHook(accountId: string, channel: string): Promise<HookRow> {
  const bindings = env as unknown as Env;
  const now = new Date().toISOString();
  const id = newId("hook");
  return insertHook(getDb(bindings.DB), {
    id,
    accountId,
    name: `slack-${crypto.randomUUID()}`,
    kind: "slack",
    slackChannelId: channel,
    events: [],
    secretSealed: await (await secretBoxFor(getConfig(bindings))).seal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", SealedIn.hookSecret(id)),
    state: "valid",
    createdAt: now,
    updatedAt: now,
  });
}
