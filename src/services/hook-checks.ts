import type { HookRow } from "../db/schema";
import { listEventTypes } from "../db/event-types";
import { listAllHooks } from "../db/hooks";
import { MAX_GATES_PER_CALL } from "../domain/gates";
import { gatesSharingEvents, patternAllowedByCatalog, type MatchableHook } from "../domain/matching";
import { BUILT_IN_EVENT_TYPES } from "../domain/operational-events";
import { hookWithinScope } from "../domain/portal-access";
import { checkHookTarget, MAX_TUNNELS_PER_ACCOUNT, tunnelNameOf } from "../domain/tunnel";
import { missingSlackSettings } from "../slack/client";
import { ApiError } from "../errors";
import type { AccountContext } from "../context";
import { accountTunnels } from "./tunnels";

// What a hook's create and update check before anything is written: its target, its shape, its
// subscriptions against the catalog, the pre-hook cap and its delivery timeout (./hooks.ts).

/**
 * Who changes hooks, and with what: the hooks' Durable Objects (`env.HOOK_STATE`) run the automatic
 * test of a `new` hook, a portal session scoped to applications creates and changes only hooks
 * within them, the account's settings say whether its hooks may deliver unsigned, and `actingUserId`
 * (the Acting-User-Id header) is the user the call is made for, recorded next to the key.
 */
export type Actor = Pick<AccountContext, "db" | "config" | "accountId" | "keyId" | "env" | "portal" | "account"> & { actingUserId?: string | null };

/** The fields that decide where and how a hook delivers, checked together after a create or a merge. */
export interface Shape {
  kind: HookRow["kind"];
  url: string | null;
  slackChannelId: string | null;
  applications: string[] | null;
  fallback: boolean;
  events: string[];
  transform: HookRow["transform"];
}

export async function checkShape(actor: Actor, s: Shape, disableSsl: boolean | undefined): Promise<void> {
  if (disableSsl === true) {
    throw ApiError.unprocessable(
      "disable_ssl_verification cannot be true: the Workers runtime always verifies TLS certificates. Use a certificate from a public CA.",
      "disable_ssl_verification",
    );
  }
  if (s.kind === "webhook") {
    if (!s.url) throw ApiError.unprocessable("a webhook hook needs a url", "url");
    if (s.slackChannelId) throw ApiError.unprocessable("slack is only for hooks of kind slack", "slack");
    const verdict = checkHookTarget(s.url, actor.config.ALLOW_PRIVATE_TARGETS);
    if (!verdict.ok) throw ApiError.unprocessable(`url refused: ${verdict.reason}`, "url");
    await checkTunnelCount(actor, s.url);
  } else {
    const missing = missingSlackSettings(actor.config);
    if (missing.length > 0) throw ApiError.unprocessable(`Slack is not configured on this hookrouter (set ${missing.join(", ")})`, "kind");
    if (!s.slackChannelId) throw ApiError.unprocessable("a slack hook needs slack.channel_id", "slack.channel_id");
    if (s.url) throw ApiError.unprocessable("url is only for hooks of kind webhook", "url");
    if (s.transform) throw ApiError.unprocessable("a transform reshapes a webhook's body: a slack hook posts its own message", "transform");
  }
  if (s.fallback && s.applications) {
    throw ApiError.unprocessable("a fallback hook is the default for every application, so it cannot name applications", "fallback");
  }
  const scope = actor.portal?.applications;
  if (scope && !hookWithinScope(s.applications, scope)) {
    throw ApiError.unprocessable(
      `this portal session manages hooks of ${scope.join(", ")} only: applications must name some of them and no other`,
      "applications",
    );
  }
  await checkCatalog(actor, s.events);
}

/** A hook on a new tunnel may not take the account past MAX_TUNNELS_PER_ACCOUNT tunnels. */
async function checkTunnelCount(actor: Actor, url: string): Promise<void> {
  const name = tunnelNameOf(url);
  if (name === null) return;
  const names = (await accountTunnels(actor.db, actor.accountId)).map((t) => t.name);
  if (!names.includes(name) && names.length >= MAX_TUNNELS_PER_ACCOUNT) {
    throw ApiError.unprocessable(`an account has at most ${MAX_TUNNELS_PER_ACCOUNT} tunnels (${names.join(", ")}): deliver to one of them`, "url");
  }
}

/** A hook's delivery timeout is bounded by the deployment's (what first attempts and probe leases are sized for). */
export function checkDeliveryTimeout<T extends number | null | undefined>(actor: Actor, ms: T): T {
  const max = actor.config.DELIVERY_TIMEOUT_MS;
  if (typeof ms === "number" && ms > max) throw ApiError.unprocessable(`delivery_timeout_ms is at most this deployment's DELIVERY_TIMEOUT_MS (${max})`, "delivery_timeout_ms");
  return ms;
}

/** With a catalog, every subscription must name or match a cataloged type. */
async function checkCatalog(actor: Actor, patterns: string[]): Promise<void> {
  if (patterns.length === 0) return;
  const catalog = await listEventTypes(actor.db, actor.accountId);
  if (catalog.length === 0) return;
  // hookrouter's operational events are cataloged in every account.
  const names = [...catalog.map((t) => t.name), ...BUILT_IN_EVENT_TYPES.map((t) => t.name)];
  const refused = patterns.filter((p) => !patternAllowedByCatalog(p, names));
  if (refused.length > 0) {
    throw ApiError.unprocessable(`not in the event-type catalog: ${refused.join(", ")}`, "events");
  }
}

/**
 * A live pre-hook may share event types with at most MAX_GATES_PER_CALL - 1 others, so no gate call
 * reaches more than the cap. Counted over every type the hook could share (scopes ignored: see
 * gatesSharingEvents), one read of the account's hooks, and only when a live pre-hook is saved.
 */
export async function checkGateCap(actor: Actor, hook: MatchableHook): Promise<void> {
  if (hook.phase !== "pre" || !hook.enabled || hook.state === "deactivated") return;
  const sharing = gatesSharingEvents(hook, await listAllHooks(actor.db, actor.accountId));
  if (sharing.length < MAX_GATES_PER_CALL) return;
  throw ApiError.unprocessable(
    `a gate call reaches at most ${MAX_GATES_PER_CALL} pre-hooks, and ${sharing.length} enabled pre-hooks of this account already subscribe to event types this one would share ` +
      `(${sharing.map((h) => h.name).slice(0, 5).join(", ")}${sharing.length > 5 ? ", …" : ""}): disable, narrow or remove one of them, or narrow this hook's events`,
    "events",
  );
}

