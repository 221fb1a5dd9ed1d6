import type { TestProject } from "vitest/node";
import { startReceiver } from "./receiver-server";

declare module "vitest" {
  export interface ProvidedContext {
    receiverPort: number;
  }
}

export default async function setup(project: TestProject) {
  const { server, port } = await startReceiver();
  project.provide("receiverPort", port);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
