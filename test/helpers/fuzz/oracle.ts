import type { FuzzRequest, Operation } from "./operations";
import type { Answer } from "./world";

// What every answer must satisfy, whatever was asked: the properties the fuzzer checks.

export interface Victim {
  /** A string every free-text field of the victim carries. */
  marker: string;
  /** Its hook secrets, Slack token, API key: never to be seen through another key. */
  secrets: string[];
  /** Its ids (hook_…, evt_…, dlv_…, work_…): named by the attacker on purpose, never revealed. */
  ids: Set<string>;
}

export interface Sent {
  url: string;
  body?: string;
  /** The attacker's own, valid credential (its key or its portal session) was used on an API-key route. */
  asAttacker: boolean;
}

const ID = /\b[a-z]+_[0-9A-HJKMNP-TV-Z]{26}\b/g;
const ID_PARAM = /(^|_)id$/;

export class Violation extends Error {}

function fail(op: Operation, req: FuzzRequest, sent: Sent, a: Answer, why: string): never {
  throw new Violation(`${op.key}: ${why}\n  sent: ${sent.url} ${sent.body?.slice(0, 300) ?? ""}\n  credential: ${req.credential}\n  got ${a.status}: ${a.text.slice(0, 400)}`);
}

export function checkAnswer(op: Operation, req: FuzzRequest, sent: Sent, a: Answer, victim: Victim): void {
  if (a.status >= 500) fail(op, req, sent, a, "a 5xx answer");
  if (a.headers.get("x-content-type-options") !== "nosniff") fail(op, req, sent, a, "no security headers");
  if (a.status >= 400) checkErrorShape(op, req, sent, a);
  // (413: the body limit runs before authentication; a path that normalises to no route is a 404.)
  const noRoute = a.status === 404 && a.text.includes('"message":"no route for');
  const accepted = req.credential === "expected" || req.credential === "portal";
  if (op.auth !== "none" && !accepted && a.status !== 401 && a.status !== 413 && !noRoute) {
    fail(op, req, sent, a, "a request without the right credential got past authentication");
  }
  if (sent.asAttacker) checkIsolation(op, req, sent, a, victim);
}

function checkErrorShape(op: Operation, req: FuzzRequest, sent: Sent, a: Answer): void {
  let body: any;
  try {
    body = JSON.parse(a.text);
  } catch {
    fail(op, req, sent, a, "an error answer that is not JSON");
  }
  const e = body?.error;
  if (!e || typeof e.code !== "string" || typeof e.message !== "string" || !Array.isArray(e.details)) fail(op, req, sent, a, "not the error shape");
  if (e.request_id !== a.headers.get("x-request-id")) fail(op, req, sent, a, "error.request_id is not the X-Request-Id");
}

function checkIsolation(op: Operation, req: FuzzRequest, sent: Sent, a: Answer, victim: Victim): void {
  if (a.text.includes(victim.marker)) fail(op, req, sent, a, "the answer shows the victim account's data");
  for (const s of victim.secrets) if (a.text.includes(s)) fail(op, req, sent, a, "the answer shows one of the victim's secrets");
  const asked = `${sent.url} ${sent.body ?? ""}`;
  for (const m of a.text.matchAll(ID)) {
    if (victim.ids.has(m[0]) && !asked.includes(m[0])) fail(op, req, sent, a, `the answer reveals the victim's ${m[0]}`);
  }
  // Naming another account's resource by id must end in a refusal (404), never in a success.
  if (a.status < 400) {
    for (const p of op.pathParams) {
      const v = req.path[p.name];
      if (ID_PARAM.test(p.name) && v && "pool" in v && v.pool === "victim") fail(op, req, sent, a, `succeeded on the victim's ${p.name}`);
    }
  }
}
