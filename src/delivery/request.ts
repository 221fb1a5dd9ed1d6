import type { EventForDelivery } from "../domain/event-for-delivery";
import { isReservedHeader } from "../domain/hook-headers";
import { applyTransform, transformRoot, type Transform } from "../domain/transform";
import { signatureHeader } from "./signer";

// The one place that builds what a receiver sees (the delivery contract in docs/delivery.md): used by
// queued deliveries, endpoint tests and pre-hook gate calls alike.

export const USER_AGENT = "hookrouter/0.1.0";

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * The body: the envelope, or the payload alone (`raw`). The envelope is assembled around the stored
 * payload text, so a large payload is never parsed and re-serialised on the delivery path.
 */
export function buildBody(event: EventForDelivery, format: "envelope" | "raw", extra?: Record<string, unknown>): string {
  if (format === "raw") return event.payload;
  const head = `{"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(event.createdAt)},"data":`;
  let tail = `,"applications":${JSON.stringify(event.applications ?? [])},"work_id":${JSON.stringify(event.workId)}`;
  if (extra) for (const [k, v] of Object.entries(extra)) tail += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
  return `${head}${event.payload}${tail}}`;
}

export type DeliveryBody = { ok: true; body: string } | { ok: false; error: string };

/** The prefix of the error of an attempt whose transformation failed: such an attempt is final. */
export const TRANSFORM_FAILED = "transform_failed";

/**
 * The body a webhook hook's receiver gets for an event: its transformation's output when it has one
 * (the payload is parsed for it; hooks without one never parse it), otherwise the envelope or the
 * raw payload. The request is signed over exactly this body. A transformation that fails on this
 * event answers why, prefixed `transform_failed:`, and nothing is sent.
 */
export function deliveryBody(event: EventForDelivery, hook: { payloadFormat: "envelope" | "raw"; transform?: Transform | null }): DeliveryBody {
  if (!hook.transform) return { ok: true, body: buildBody(event, hook.payloadFormat) };
  let data: unknown;
  try {
    data = JSON.parse(event.payload);
  } catch {
    return { ok: false, error: `${TRANSFORM_FAILED}: the stored payload is not JSON` };
  }
  const result = applyTransform(hook.transform, transformRoot({ ...event, data }));
  return result.ok ? result : { ok: false, error: `${TRANSFORM_FAILED}: ${result.error}` };
}

/**
 * A signed request. `webhookId` is the same on every retry of a delivery (receivers deduplicate
 * with it); the timestamp is this attempt's. A hook's own headers go first, less reserved names in
 * any letter case, so they can never replace or join the ones set here. No secrets (an unsigned
 * hook): no `webhook-signature` header, the rest as always.
 */
export async function buildSignedRequest(opts: {
  url: string;
  webhookId: string;
  body: string;
  secrets: readonly string[];
  hookHeaders?: Record<string, string>;
  now?: number;
}): Promise<OutboundRequest> {
  const timestamp = Math.floor((opts.now ?? Date.now()) / 1000);
  const headers: Record<string, string> = {
    ...sendableHookHeaders(opts.hookHeaders),
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "webhook-id": opts.webhookId,
    "webhook-timestamp": String(timestamp),
  };
  if (opts.secrets.length > 0) headers["webhook-signature"] = await signatureHeader(opts.secrets, opts.webhookId, timestamp, opts.body);
  return { url: opts.url, body: opts.body, headers };
}

/**
 * A hook's own headers, less any it may not send. Saving a hook already refuses these; this is the
 * second wall for a row that holds one anyway: a reserved name in another letter case would
 * otherwise be merged into the contract's header ("text/plain, application/json"), and a CR or LF
 * would make the request throw.
 */
function sendableHookHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  if (!headers) return {};
  return Object.fromEntries(Object.entries(headers).filter(([name, value]) => !isReservedHeader(name) && !/[\r\n\0]/.test(value)));
}
