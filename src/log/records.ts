// The records of the delivery log (src/durable/delivery-log.ts) as the rest of the code sees them,
// and how a delivery is stored: as one element of its event's `deliveries` JSON array, so that an
// event and all its deliveries are one row written (see docs/architecture.md, "The delivery log").

export type DeliveryStatus = "pending" | "succeeded" | "failed" | "dead" | "skipped";
export const OPEN_STATUSES: readonly DeliveryStatus[] = ["pending", "failed"];

export interface EventRow {
  id: string;
  accountId: string;
  type: string;
  /** The payload as published (JSON text). */
  payload: string;
  applications: string[] | null;
  workId: string | null;
  idempotencyKey: string | null;
  createdAt: string;
}

export type EventSummaryRow = Omit<EventRow, "payload">;

export interface DeliveryRow {
  id: string;
  accountId: string;
  eventId: string;
  hookId: string;
  status: DeliveryStatus;
  attempts: number;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
  /**
   * Which queue message may act on this delivery: null means the one sent when it was created. A
   * re-send by the log's alarm or a manual reopen sets a new ULID (its time says when that message
   * was sent); the consumer drops a message carrying another.
   */
  messageToken: string | null;
}

export interface AttemptRow {
  deliveryId: string;
  n: number;
  at: string;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  durationMs: number;
}

export interface GateRunRow {
  id: string;
  accountId: string;
  workId: string;
  type: string;
  approved: boolean;
  authId: string | null;
  payload: string;
  applications: string[] | null;
  decisions: unknown[];
  context: Record<string, unknown>;
  durationMs: number;
  createdAt: string;
}

/** A delivery as stored in its event's row (short keys: this is most of the row). */
export interface StoredDelivery {
  /** hook id */
  h: string;
  /** status */
  s: DeliveryStatus;
  /** attempts made */
  n: number;
  /** last attempt at */
  la: string | null;
  /** next attempt at */
  na: string | null;
  /** updated at */
  u: string;
  /** message token */
  t: string | null;
  /**
   * The latest attempt (number `n`): an attempt is written into the delivery itself, and only moves
   * to a row of its own (the attempts table) when a later attempt takes its place. So the first try's
   * outcome, failed or not, writes no attempt row.
   */
  f?: AttemptDetails;
  /**
   * The attempt before `f`, on its way to the attempts table: set on a delivery as readers see it when
   * a buffered success (./first-successes.ts) took `f`'s place; a writer stores it as a row.
   */
  p?: AttemptDetails & { n: number };
  /**
   * The success came through ./first-successes.ts and was written into the row since (by another
   * write to its event): 1 when the row said `pending` before it, 2 when `failed`. Its flush row still
   * counts it for the stats, which therefore count it as that status there.
   */
  o?: 1 | 2;
}

export function newStoredDelivery(hookId: string, createdAt: string): StoredDelivery {
  return { h: hookId, s: "pending", n: 0, la: null, na: createdAt, u: createdAt, t: null };
}

export function deliveryRow(accountId: string, eventId: string, id: string, createdAt: string, d: StoredDelivery): DeliveryRow {
  return {
    id,
    accountId,
    eventId,
    hookId: d.h,
    status: d.s,
    attempts: d.n,
    lastAttemptAt: d.la,
    nextAttemptAt: d.na,
    createdAt,
    updatedAt: d.u,
    messageToken: d.t,
  };
}

/** What is kept of an attempt inside its delivery (`f`, `p`). */
export type AttemptDetails = Omit<AttemptRow, "deliveryId" | "n">;

/** The change an attempt (or a verdict without one) makes to a delivery. */
export interface DeliveryUpdate {
  id: string;
  status: DeliveryStatus;
  /** 1 when this update records an attempt. */
  attemptsAdded: 0 | 1;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
}

/** An attempt to record; its number is the delivery's attempts so far + 1, given by the log. */
export interface AttemptWrite {
  deliveryId: string;
  at: string;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  durationMs: number;
}

/**
 * What is kept of an answer: receivers' bodies up to 4 KiB (shown in the attempt log), errors up to
 * 512 bytes (a redirect's 100 KB Location must not make a record too large to write).
 */
export const MAX_STORED_BODY = 4096;
export const MAX_STORED_ERROR = 512;

export function capText(text: string | null, max: number): string | null {
  if (text === null || text.length <= max) return text;
  return `${text.slice(0, max - 1)}…`;
}
