import { env } from "cloudflare:workers";
import { inject } from "vitest";
import { SealedIn, secretBoxFor } from "../../src/crypto/secret-box";
import { getDb } from "../../src/db/client";
import { insertHook } from "../../src/db/hooks";
import type { HookRow } from "../../src/db/schema";
import { newId } from "../../src/domain/ids";
import { getConfig, type Env } from "../../src/env";
import type { ScriptedSlackAnswer, SlackCallRecord } from "../setup/fake-slack-server";
import { call, type Answer } from "./api";

/**
 * A browser's cookies for the router: kept from its Set-Cookie answers, sent back on the paths they
 * are scoped to, as a browser does (the Slack connect step binds its flow to the browser this way).
 */
export class Browser {
  private readonly jar = new Map<string, { value: string; path: string }>();

  /** GET /v1/slack/connect-url with an API key from a page of the router's origin (the answer's cookie is kept). */
  async connectUrl(apiKey: string, opts: { replace?: boolean } = {}): Promise<Answer> {
    const res = await call("GET", `/v1/slack/connect-url${opts.replace ? "?replace=true" : ""}`, { token: apiKey });
    this.keep(res.headers);
    return res;
  }

  /** A GET as a browser makes it: Accept: text/html (the callback answers its page) unless `json`. */
  async get(path: string, opts: { json?: boolean } = {}): Promise<Answer> {
    const cookie = [...this.jar].filter(([, c]) => path.startsWith(c.path)).map(([name, c]) => `${name}=${c.value}`).join("; ");
    const headers: Record<string, string> = opts.json ? {} : { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };
    if (cookie) headers.cookie = cookie;
    const res = await call("GET", path, { headers });
    this.keep(res.headers);
    return res;
  }

  /** Every Set-Cookie line this browser was answered, in order, attributes and all. */
  readonly setCookies: string[] = [];

  private keep(headers: Headers): void {
    // getSetCookie is in the Workers runtime, not yet in @cloudflare/workers-types' Headers.
    for (const line of (headers as unknown as { getSetCookie(): string[] }).getSetCookie()) {
      this.setCookies.push(line);
      const [pair, ...attributes] = line.split(/;\s*/);
      const [name, value] = [pair!.slice(0, pair!.indexOf("=")), pair!.slice(pair!.indexOf("=") + 1)];
      const path = attributes.find((a: string) => /^path=/i.test(a))?.slice(5) ?? "/";
      if (attributes.some((a: string) => /^max-age=0$/i.test(a)) || value === "") this.jar.delete(name);
      else this.jar.set(name, { value, path });
    }
  }
}

/** The test's own browser: the one that asks for connect URLs unless a test says otherwise. */
export const browser = new Browser();

/** A GET as the test's browser makes it (Accept: text/html): the OAuth callback then answers its HTML page. */
export function browse(path: string) {
  return browser.get(path);
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

  /** The whole connection flow for an account, in one browser: connect URL → Slack → callback. */
  async connect(apiKey: string, opts: { replace?: boolean; browser?: Browser } = {}): Promise<{ status: number; page: string }> {
    const using = opts.browser ?? browser;
    const urlAnswer = await using.connectUrl(apiKey, opts);
    if (urlAnswer.status !== 200) throw new Error(`connect-url: ${urlAnswer.status} ${JSON.stringify(urlAnswer.body)}`);
    const { callbackPath } = await this.authorize(urlAnswer.body.url);
    const page = await using.get(callbackPath);
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
