import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HealthChange } from "../domain/hook-health";
import type { Db } from "./client";
import { hooks } from "./schema";

/**
 * The write a hook-health change needs, or none. Each is conditional, so two consumers racing on the
 * same hook cannot undo each other (the first failure keeps its time; a disabled hook stays disabled
 * with its first reason).
 */
export function hookHealthStatement(db: Db, hookId: string, change: HealthChange, now: string): BatchItem<"sqlite"> | null {
  switch (change.kind) {
    case "none":
      return null;
    case "started_failing":
      return db.update(hooks).set({ failingSince: change.at }).where(and(eq(hooks.id, hookId), isNull(hooks.failingSince)));
    case "recovered":
      return db.update(hooks).set({ failingSince: null }).where(and(eq(hooks.id, hookId), isNotNull(hooks.failingSince)));
    case "disable":
      return db
        .update(hooks)
        .set({ enabled: false, disabledReason: change.reason, failingSince: null, updatedAt: now })
        .where(and(eq(hooks.id, hookId), eq(hooks.enabled, true)));
  }
}
