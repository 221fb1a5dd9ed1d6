import type { DeadDelivery } from "../durable/operational-outbox";
import { dayOf, parseLogId } from "../domain/log-ids";
import { isReservedEventType } from "../domain/operational-events";
import type { Env } from "../env";
import type { LogDb } from "./log-db";
import { eventsTable } from "./partitions";
import type { WentDead } from "./writes";

// A delivery that goes dead is announced to its hook's Durable Object, which publishes
// `hookrouter.delivery.dead` under that hook's throttle (src/durable/operational-outbox.ts). The log
// is where the transition is decided exactly once (the write that makes it dead), so the
// announcement is kept in the log object's storage in that same write, then forwarded at once; one
// the object could not forward (it stopped, or the hook's object was unreachable) is forwarded by its
// next alarm. A dead delivery of an operational event announces nothing: no chain of events about
// deliveries of events about deliveries. Cost: a row written when a delivery goes dead, one when
// forwarded, one Durable Object request per hook per forward ($0.15 per million).

const PENDING = "dead_announcements";

interface Announcement extends DeadDelivery {
  hookId: string;
}

/** Keeps the announcements of deliveries a write made dead (in that write's own step); answers whether there are any. */
export function keepAnnouncements(db: LogDb, kv: SyncKvStorage, dead: WentDead[], now: string): boolean {
  const fresh: Announcement[] = [];
  for (const d of dead) {
    const type = eventTypeOf(db, d.eventId);
    if (type === null || isReservedEventType(type)) continue;
    fresh.push({ hookId: d.hookId, deliveryId: d.id, eventId: d.eventId, eventType: type, attempts: d.attempts, at: now });
  }
  if (fresh.length === 0) return false;
  kv.put(PENDING, [...pending(kv), ...fresh]);
  return true;
}

/** Forwards what is kept to the hooks' objects, one call per hook; each is dropped once its object took it. */
export async function forwardAnnouncements(kv: SyncKvStorage, hookStates: Env["HOOK_STATE"], accountId: string): Promise<void> {
  const kept = pending(kv);
  if (kept.length === 0) return;
  const byHook = new Map<string, Announcement[]>();
  for (const a of kept) byHook.set(a.hookId, [...(byHook.get(a.hookId) ?? []), a]);
  const done = new Set<string>();
  const failures = await Promise.allSettled(
    [...byHook].map(async ([hookId, items]) => {
      await hookStates.get(hookStates.idFromName(hookId)).noteDead({ accountId, hookId }, items.map(({ hookId: _, ...d }) => d));
      for (const a of items) done.add(keyOf(a));
    }),
  );
  // Read again: a write may have kept more meanwhile.
  const left = pending(kv).filter((a) => !done.has(keyOf(a)));
  if (left.length > 0) kv.put(PENDING, left);
  else kv.delete(PENDING);
  const failed = failures.find((f) => f.status === "rejected");
  if (failed) throw failed.reason;
}

function pending(kv: SyncKvStorage): Announcement[] {
  return kv.get<Announcement[]>(PENDING) ?? [];
}

const keyOf = (a: Announcement) => `${a.deliveryId}@${a.at}`;

function eventTypeOf(db: LogDb, eventId: string): string | null {
  const id = parseLogId(eventId);
  if (!id || !db.parts.has(dayOf(id.ms))) return null;
  return db.sql.exec<{ type: string }>(`SELECT type FROM ${eventsTable(dayOf(id.ms))} WHERE id = ?`, eventId).toArray()[0]?.type ?? null;
}
