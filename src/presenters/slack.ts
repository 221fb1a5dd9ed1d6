import type { z } from "@hono/zod-openapi";
import type { SlackConnectionRow } from "../db/schema";
import type { SlackConnection } from "../schemas/slack";

/** A connection as the API shows it: never the token, sealed or not. */
export function presentSlackConnection(c: SlackConnectionRow): z.infer<typeof SlackConnection> {
  return {
    team_id: c.teamId,
    team_name: c.teamName,
    bot_user_id: c.botUserId,
    status: c.status,
    error: c.error,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}
