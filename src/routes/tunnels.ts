import { createRoute } from "@hono/zod-openapi";
import { auth, newRouter } from "../http/route";
import { errorResponses, jsonResponse } from "../schemas/common";
import { TunnelList, TunnelNameParam } from "../schemas/tunnels";
import { connectTunnel, listTunnels } from "../services/tunnels";

const tags = ["Tunnels"];

export const tunnelsRouter = newRouter();

tunnelsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/tunnels",
    tags,
    ...auth.apiKey({ scope: "tunnels:read" }),
    summary: "The account's tunnels, and whether a CLI is connected to each",
    description:
      "A tunnel exists while a hook of the account delivers to its url (`tunnel://NAME`); at most 10 per account. " +
      "`connected` says whether a `hookrouter listen --tunnel NAME` holds it now. A portal session scoped to " +
      "applications sees only the tunnels of its hooks.",
    responses: { 200: jsonResponse(TunnelList, "The account's tunnels, in the order of their oldest hook"), ...errorResponses(401) },
  }),
  async (c) => c.json({ data: await listTunnels(c.var.ctx) }, 200),
);

tunnelsRouter.openapi(
  createRoute({
    method: "get",
    path: "/v1/tunnels/{name}/connect",
    tags,
    ...auth.apiKey({ scope: "tunnels:connect" }),
    summary: "Connect a CLI to a tunnel (WebSocket upgrade)",
    description:
      "What `hookrouter listen --tunnel NAME` calls. The socket then carries every delivery, endpoint test and gate call " +
      "to the account's hooks whose url is `tunnel://NAME` (the signed headers and body a receiver would get) and the " +
      "CLI's answers. A newer connection replaces an older one (closed with code 4001). The protocol is in docs/tunnels.md.",
    request: { params: TunnelNameParam },
    responses: {
      101: { description: "Switching Protocols: the WebSocket" },
      ...errorResponses(400, 401, 404, 422, 426, 429),
    },
  }),
  // Awaited here, not returned as a promise: returned, a refusal thrown by connectTunnel also surfaced
  // as an unhandled rejection besides its error answer.
  async (c) => {
    const socket = await connectTunnel(c.var.ctx, c.req.valid("param").name, c.req.raw);
    return socket;
  },
);
