import http from "node:http";
import type { AddressInfo } from "node:net";

/** A request as the test servers handle it: its whole body read, its path split into parts. */
export interface ReadRequest {
  body: string;
  url: URL;
  /** The path's non-empty segments: /_control/script/ns → ["_control", "script", "ns"]. */
  parts: string[];
}

/**
 * Starts a Node HTTP server on 127.0.0.1 (`port`, or any free one for 0) for the Workers runtime to
 * reach in tests; `handle` gets each request once its body has been read. Resolves with the port.
 */
export function serveOnLoopback(
  port: number,
  handle: (req: http.IncomingMessage, res: http.ServerResponse, read: ReadRequest) => void,
): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://loopback");
      handle(req, res, { body: Buffer.concat(chunks).toString("utf8"), url, parts: url.pathname.split("/").filter(Boolean) });
    });
  });
  return new Promise((resolve) => {
    server.listen(port, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}
