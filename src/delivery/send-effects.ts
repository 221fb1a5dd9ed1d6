import { and, eq, notInArray } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { hooks, slackConnections } from "../db/schema";

// What a send found out about the account's management data, beyond its own outcome: a Slack token
// that is dead breaks the account's connection and makes the hook `invalid`. The sender only says so;
// whoever records the attempt writes it with its other writes (the queue consumer: in its one D1 batch).

export type SendEffect =
  /** Marks the connection broken, only if it still holds the token that failed (a reconnect in between keeps the new one). */
  | { kind: "slack_token_dead"; accountId: string; tokenSealed: string; error: string }
  /** Only a test outcome or a dead token sets `invalid`; a retired hook stays retired. */
  | { kind: "hook_invalid"; accountId: string; hookId: string };

export function effectStatements(db: Db, effects: SendEffect[], now: string): BatchItem<"sqlite">[] {
  return effects.map((e) =>
    e.kind === "slack_token_dead"
      ? db
          .update(slackConnections)
          .set({ status: "broken", error: e.error, updatedAt: now })
          .where(and(eq(slackConnections.accountId, e.accountId), eq(slackConnections.tokenSealed, e.tokenSealed)))
      : db
          .update(hooks)
          .set({ state: "invalid", updatedAt: now })
          .where(and(eq(hooks.id, e.hookId), eq(hooks.accountId, e.accountId), notInArray(hooks.state, ["invalid", "deactivated"]))),
  );
}

/** Writes a send's effects now (a send outside the consumer: an endpoint test). */
export async function applyEffects(db: Db, effects: SendEffect[] | undefined, now: string): Promise<void> {
  const statements = effectStatements(db, effects ?? [], now);
  if (statements.length > 0) await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
}
