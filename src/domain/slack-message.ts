// The Slack message a `slack` hook posts for one event: Block Kit blocks a person can read at a
// glance (event type as title, the payload's fields, the event id and work_id) plus the plain-text
// `text` Slack shows in notifications and in clients that cannot render blocks.
// Pure: no I/O, so every limit below is unit-tested.

import type { EventForDelivery } from "./event-for-delivery";

export interface SlackTextObject {
  type: "plain_text" | "mrkdwn";
  text: string;
}

export type SlackBlock =
  | { type: "header"; text: SlackTextObject }
  | { type: "section"; text?: SlackTextObject; fields?: SlackTextObject[] }
  | { type: "context"; elements: SlackTextObject[] };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

// Slack's documented Block Kit limits; a message over any of them is refused (`invalid_blocks`).
export const HEADER_MAX = 150;
export const FIELD_MAX = 2000;
export const SECTION_TEXT_MAX = 3000;
export const FIELDS_PER_SECTION = 10;
/** How many payload fields are shown; the rest are counted in a closing line. */
export const MAX_FIELDS_SHOWN = 20;
export const FALLBACK_TEXT_MAX = 3000;

/** mrkdwn gives `&`, `<` and `>` a meaning (links, mentions); Slack asks for them escaped. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max - 1)}…`;
}

/** A value as it reads in a field: strings as they are, everything else as compact JSON in code. */
function fieldValue(value: unknown, room: number): string {
  if (typeof value === "string") return truncate(escapeMrkdwn(value === "" ? "(empty)" : value), room);
  // `JSON.stringify` of a number, boolean or null is how a person would write it too.
  const json = JSON.stringify(value) ?? String(value);
  return `\`${truncate(escapeMrkdwn(json), room - 2)}\``;
}

function field(key: string, value: unknown): SlackTextObject {
  const title = `*${truncate(escapeMrkdwn(key), 100)}*\n`;
  return { type: "mrkdwn", text: title + fieldValue(value, FIELD_MAX - title.length) };
}

function parsePayload(payload: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(payload) };
  } catch {
    return { ok: false };
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function payloadBlocks(payload: string): SlackBlock[] {
  const parsed = parsePayload(payload);
  if (parsed.ok && isPlainObject(parsed.value)) {
    const entries = Object.entries(parsed.value);
    if (entries.length === 0) return [{ type: "section", text: { type: "mrkdwn", text: "_(empty payload)_" } }];
    const shown = entries.slice(0, MAX_FIELDS_SHOWN).map(([k, v]) => field(k, v));
    const blocks: SlackBlock[] = [];
    for (let i = 0; i < shown.length; i += FIELDS_PER_SECTION) {
      blocks.push({ type: "section", fields: shown.slice(i, i + FIELDS_PER_SECTION) });
    }
    const hidden = entries.length - shown.length;
    if (hidden > 0) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `…and ${hidden} more field${hidden === 1 ? "" : "s"}` }] });
    return blocks;
  }
  // An array or a scalar payload (or text that is not JSON) is shown whole, as code.
  const text = parsed.ok ? JSON.stringify(parsed.value, null, 2) : payload;
  const fence = "```";
  return [{ type: "section", text: { type: "mrkdwn", text: `${fence}${truncate(escapeMrkdwn(text), SECTION_TEXT_MAX - 6)}${fence}` } }];
}

function contextLine(event: EventForDelivery): string {
  const parts = [`Event \`${escapeMrkdwn(event.id)}\``];
  if (event.workId) parts.push(`work_id \`${escapeMrkdwn(event.workId)}\``);
  if (event.applications && event.applications.length > 0) parts.push(`applications: ${escapeMrkdwn(event.applications.join(", "))}`);
  parts.push(escapeMrkdwn(event.createdAt));
  return truncate(parts.join(" · "), SECTION_TEXT_MAX);
}

/**
 * The plain-text fallback: what a notification or a screen reader says. Slack still parses it as
 * mrkdwn, so it is escaped like the rest.
 */
export function fallbackText(event: EventForDelivery): string {
  const work = event.workId ? ` (work_id ${event.workId})` : "";
  return truncate(escapeMrkdwn(`${event.type}: event ${event.id}${work}`), FALLBACK_TEXT_MAX);
}

export function buildSlackMessage(event: EventForDelivery): SlackMessage {
  return {
    text: fallbackText(event),
    blocks: [
      { type: "header", text: { type: "plain_text", text: truncate(event.type, HEADER_MAX) } },
      ...payloadBlocks(event.payload),
      { type: "context", elements: [{ type: "mrkdwn", text: contextLine(event) }] },
    ],
  };
}
