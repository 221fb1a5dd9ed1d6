import { z } from "zod";

/**
 * The Durable Object classes the Worker binds, by binding name. Each class's own module fills its
 * entry in (`declare module "../env"` in src/durable/), so this file names none of them: the objects
 * read their configuration from here, and an import back would make a cycle.
 */
export interface DurableObjectClasses {}

/** The Worker's bindings, as declared in wrangler.toml and `.dev.vars`. */
export interface Env {
  DB: D1Database;
  DELIVERIES: Queue<DeliveryMessage>;
  DEAD_LETTERS: Queue<DeliveryMessage>;
  HOOK_STATE: DurableObjectNamespace<DurableObjectClasses["HOOK_STATE"]>;
  DELIVERY_LOG: DurableObjectNamespace<DurableObjectClasses["DELIVERY_LOG"]>;
  /** One object per (account, tunnel name): the socket of a `hookrouter listen --tunnel` (src/durable/tunnel.ts). */
  TUNNEL: DurableObjectNamespace<DurableObjectClasses["TUNNEL"]>;
  /** One object per window replay job (src/durable/replay-job.ts). */
  REPLAY_JOB: DurableObjectNamespace<DurableObjectClasses["REPLAY_JOB"]>;
  ADMIN_TOKEN?: string;
  ENCRYPTION_KEY?: string;
  ENCRYPTION_KEYS_PREVIOUS?: string;
  ALLOW_PRIVATE_TARGETS?: string;
  RETRY_SCHEDULE?: string;
  DELIVERY_TIMEOUT_MS?: string;
  FIRST_ATTEMPTS_BY_PUBLISHER?: string;
  AUTO_DISABLE_AFTER_SECONDS?: string;
  GATE_TIMEOUT_MS?: string;
  CIRCUIT_BREAKER_THRESHOLD?: string;
  CIRCUIT_PROBE_INITIAL_SECONDS?: string;
  CIRCUIT_PROBE_MAX_SECONDS?: string;
  AUTO_TEST_DELAY_SECONDS?: string;
  SLACK_CLIENT_ID?: string;
  SLACK_CLIENT_SECRET?: string;
  SLACK_REDIRECT_URI?: string;
  SLACK_API_BASE?: string;
  SLACK_AUTHORIZE_URL?: string;
  /** Workers Rate Limiting binding (`[[ratelimits]]` in wrangler.toml): the per-API-key limit. */
  API_RATE_LIMITER?: RateLimit;
  /** The per-client-address limit on admin requests and failed authentications (src/http/rate-limit.ts). */
  AUTH_RATE_LIMITER?: RateLimit;
  /** Each account's tunnel traffic, in 16 KiB units (src/durable/tunnel.ts). */
  TUNNEL_RATE_LIMITER?: RateLimit;
  CORS_ORIGINS?: string;
  SWEEP_GRACE_SECONDS?: string;
  OPERATIONAL_EVENT_INTERVAL_SECONDS?: string;
  REPLAY_JOB_MAX_EVENTS?: string;
  /**
   * Not a binding: set only by an entry point that wraps the Worker (the bench's, bench/worker/), on
   * the env it hands down; never in production. The queue consumer calls it once a batch's requests
   * went out, before anything of the batch is recorded (the bench injects its faults there).
   */
  afterBatchSends?: () => void;
  [key: string]: unknown;
}

/** One queue message per delivery; everything else is read from D1 when it is delivered. */
export interface DeliveryMessage {
  delivery_id: string;
  account_id: string;
  /** A manual retry or a recover: one attempt, never rescheduled automatically. */
  manual?: boolean;
  /** Tries made by the earlier copies of a postponed message (src/delivery/admission.ts `postpone`). */
  tries_before?: number;
  /**
   * The delivery's `message_token` when this message was sent; absent for the message sent at its
   * creation. Copied onto every retry and postponed copy; the consumer drops a message whose token is
   * no longer the row's (a sweep or a manual reopen replaced it: src/delivery/sweeper.ts).
   */
  token?: string;
  /**
   * A FIFO hook's delivery sent in its turn: the head of the hook's line in its HookState (the
   * head's place there, src/durable/hook-line.ts). Only a message carrying the current head's turn
   * may be sent; one of a FIFO hook without it joins the line instead (src/delivery/fifo.ts).
   */
  turn?: number;
  /**
   * A FIFO hook's delivery, on the messages its line holds and hands out: the line moves on when the
   * head's delivery is gone from the log (retention), which no longer names its hook.
   */
  hook_id?: string;
}

/**
 * The admin token is the one credential an operator chooses, and the per-address budget only slows
 * guessing down: it must be as strong as 32 random bytes, whatever alphabet it is written in.
 */
export const MIN_ADMIN_TOKEN_BITS = 256;

/**
 * An upper bound on the bits a token of this length can carry in the smallest usual alphabet its
 * characters fit (digits, hex, base64url, printable ASCII): 64 hex digits or 43 base64url characters
 * reach 256. Not an entropy measurement (`aaaa…` passes); it refuses the short, chosen-by-hand kind.
 */
export function tokenStrengthBits(token: string): number {
  const alphabet = /^[0-9]*$/.test(token) ? 10 : /^[0-9a-fA-F]*$/.test(token) ? 16 : /^[A-Za-z0-9_\-+/=]*$/.test(token) ? 64 : 94;
  return Math.floor(token.length * Math.log2(alphabet));
}

const bool = z.enum(["true", "false"]).transform((v) => v === "true");
const positiveInt = z.coerce.number().int().positive();

/** What a variable is for (docs/operations.md's configuration table is generated from these: scripts/config-table.ts). */
type VariableDoc = {
  description: string;
  /** Set with `wrangler secret put`, never in wrangler.toml. */
  secret?: true;
};
const doc = (description: string, secret?: true): VariableDoc => (secret ? { description, secret } : { description });

/**
 * The Worker's configuration: every variable, its rules and its default, stated here only
 * (wrangler.toml sets none: a deployment lists under `[vars]` only what it changes).
 */
export const ConfigSchema = z.object({
  ADMIN_TOKEN: z
    .string()
    .refine(
      (v) => tokenStrengthBits(v) >= MIN_ADMIN_TOKEN_BITS,
      "must carry at least 32 random bytes: 43+ base64url characters or 64+ hex digits (e.g. `openssl rand -hex 32`)",
    )
    .meta(doc("bearer token for account and key administration: at least 32 random bytes' worth (43+ base64url characters or 64+ hex digits, e.g. `openssl rand -hex 32`); a shorter one and every request answers 503", true)),
  ENCRYPTION_KEY: z
    .string()
    .refine((v) => base64Length(v) === 32, "must be the base64 of exactly 32 bytes")
    .meta(doc("base64 of 32 bytes; AES-GCM key sealing hook secrets and Slack tokens at rest", true)),
  ENCRYPTION_KEYS_PREVIOUS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .refine((keys) => keys.every((k) => base64Length(k) === 32), "every entry must be the base64 of 32 bytes")
    .meta(doc("comma-separated earlier keys, still able to open old values after a rotation (`npm run reencrypt`)", true)),
  ALLOW_PRIVATE_TARGETS: bool.default(false).meta(doc("`true` lets hooks target loopback/private addresses (local development and tests only)")),
  RETRY_SCHEDULE: z
    .string()
    .default("5,300,1800,7200,18000,36000,36000")
    .transform((v) => v.split(",").map((s) => Number(s.trim())))
    .refine((xs) => xs.length > 0 && xs.every((x) => Number.isFinite(x) && x >= 0), "must be comma-separated seconds")
    .meta(doc("seconds before each retry; attempts = entries + 1")),
  DELIVERY_TIMEOUT_MS: positiveInt.default(15000).meta(doc("one delivery attempt's timeout")),
  // Off, a new event's deliveries all go through the queue: 3 more queue operations each ($1.20 per
  // million), and the publishing invocation does nothing after its answer (src/delivery/first-attempt.ts).
  FIRST_ATTEMPTS_BY_PUBLISHER: bool
    .default(true)
    .meta(doc("the publishing Worker makes the first attempts of a new event's first 12 deliveries after its answer, instead of the queue; `false` sends every delivery through the queue ($1.20 more per million deliveries)")),
  AUTO_DISABLE_AFTER_SECONDS: positiveInt.default(432000).meta(doc("a hook failing everything this long is disabled")),
  GATE_TIMEOUT_MS: positiveInt.default(5000).meta(doc("default pre-hook timeout")),
  // Circuit breaker (per hook, in its Durable Object): consecutive failed attempts that open it, and
  // the wait before the first probe, doubled after each failed probe up to the maximum.
  CIRCUIT_BREAKER_THRESHOLD: positiveInt.default(10).meta(doc("consecutive failed attempts that open a hook's circuit")),
  CIRCUIT_PROBE_INITIAL_SECONDS: positiveInt.default(30).meta(doc("wait before the first probe of an open circuit, doubled per failed probe")),
  CIRCUIT_PROBE_MAX_SECONDS: positiveInt.default(3600).meta(doc("the longest wait between two probes of an open circuit")),
  // The throttle of operational events (src/domain/operational-events.ts): per hook and kind, at most
  // one this often; later transitions are counted and the latest is published when it ends.
  OPERATIONAL_EVENT_INTERVAL_SECONDS: positiveInt.default(60).meta(doc("per hook and kind (circuit, disabled, dead deliveries), at most one operational event this often; the latest transition held meanwhile is published when it ends")),
  // Wait between a hook becoming `new` (created, or url/secret changed) and its automatic test.
  AUTO_TEST_DELAY_SECONDS: z.coerce.number().int().min(0).default(0).meta(doc("wait before the automatic test of a `new` hook")),
  SLACK_CLIENT_ID: z.string().optional().meta(doc("the Slack app's client id (Slack is off without the three SLACK_ credentials)")),
  SLACK_CLIENT_SECRET: z.string().optional().meta(doc("the Slack app's client secret", true)),
  SLACK_REDIRECT_URI: z.string().url().optional().meta(doc("this hookrouter's OAuth callback, as registered with the Slack app")),
  SLACK_API_BASE: z.string().url().default("https://slack.com/api").meta(doc("Slack's Web API (a fake in tests)")),
  SLACK_AUTHORIZE_URL: z.string().url().default("https://slack.com/oauth/v2/authorize").meta(doc("Slack's OAuth authorize page (a fake in tests)")),
  // Browser origins allowed to call the API (CORS); empty means CORS is off. `*` allows any origin
  // (safe enough: the API authenticates with bearer tokens, never cookies).
  CORS_ORIGINS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .refine((xs) => xs.every((o) => o === "*" || isOrigin(o)), "must be comma-separated origins like https://app.example.com, or *")
    .meta(doc("comma-separated browser origins allowed to call the API, or `*`; empty: CORS off")),
  // A delivery still open this long after its queue message should have acted (sent at creation, by
  // a re-send or a manual reopen; a failed one's retry due at next_attempt_at) is taken for lost and
  // sent again by its delivery log's alarm (src/log/upkeep.ts), which runs this often (at most hourly).
  SWEEP_GRACE_SECONDS: positiveInt
    .max(23 * 3600)
    .default(3600)
    .meta(doc("a delivery still open this long after its queue message should have acted is taken for lost and sent again by its delivery log's alarm, which runs this often (at most hourly; the value at most 23 h)")),
  // A window replay job (POST /v1/hooks/{id}/replays) makes at most this many deliveries; a request
  // may set a lower `limit`. Each is one event row rewritten in the log ($1 per million rows).
  REPLAY_JOB_MAX_EVENTS: positiveInt
    .max(10_000_000)
    .default(100_000)
    .meta(doc("the most deliveries one window replay job makes (a request may ask for fewer with `limit`); past it the job stops and says it was capped")),
});

/** What a variable is for, as `.meta()` above states it. */
export function variableDoc(name: keyof typeof ConfigSchema.shape): VariableDoc {
  return z.globalRegistry.get(ConfigSchema.shape[name]) as VariableDoc;
}

export type Config = z.infer<typeof ConfigSchema>;

function isOrigin(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === "https:" || u.protocol === "http:") && u.origin === v;
  } catch {
    return false;
  }
}

function base64Length(v: string): number {
  try {
    return atob(v).length;
  } catch {
    return -1;
  }
}

export class ConfigError extends Error {}

const cache = new WeakMap<object, Config>();

/**
 * Parses the configuration once per isolate (per env object). Invalid configuration fails loudly,
 * naming the variable, instead of misbehaving later.
 */
export function getConfig(env: Env): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== "") raw[key] = v;
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid configuration: ${why}`);
  }
  cache.set(env, parsed.data);
  return parsed.data;
}
