import type http from "node:http";
import type { TestProject } from "vitest/node";

type PortKey = "receiverPort" | "fakeSlackPort";

/**
 * A globalSetup's body: starts a local server for the test project's whole run, tells the tests its
 * port under `key` (`inject(key)`), and answers the teardown that closes it, open connections too
 * (a hanging receiver's sockets would otherwise keep the run from ending).
 */
export async function serveDuringRun(
  project: TestProject,
  key: PortKey,
  start: () => Promise<{ server: http.Server; port: number }>,
): Promise<() => Promise<void>> {
  const { server, port } = await start();
  project.provide(key, port);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
