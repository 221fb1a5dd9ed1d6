import { z } from "@hono/zod-openapi";
import { TUNNEL_NAME, TUNNEL_NAME_RULE } from "../domain/tunnel";
import { Timestamp } from "./common";

export const TunnelNameParam = z.object({
  name: z.string().regex(TUNNEL_NAME, `tunnel names are ${TUNNEL_NAME_RULE}`).openapi({ example: "dev" }),
});

export const Tunnel = z
  .object({
    name: z.string().openapi({ example: "dev" }),
    url: z.string().openapi({ example: "tunnel://dev", description: "What a hook's url says to deliver over this tunnel" }),
    hook_ids: z.array(z.string()).openapi({ description: "The account's hooks that deliver to it, oldest first" }),
    connected: z.boolean().openapi({ description: "A `hookrouter listen --tunnel` is connected and receives its requests" }),
    connected_at: Timestamp.nullable(),
    client: z.string().nullable().openapi({ description: "The connected CLI's User-Agent", example: "hookrouter-cli/0.1.0 (forward)" }),
  })
  .openapi("Tunnel");

export const TunnelList = z.object({ data: z.array(Tunnel) }).openapi("TunnelList");
