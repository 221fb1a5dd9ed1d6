import type { TestProject } from "vitest/node";
import { startFakeSlack } from "./fake-slack-server";

declare module "vitest" {
  export interface ProvidedContext {
    fakeSlackPort: number;
  }
}

/** globalSetup: one fake Slack per test project; its port reaches the Worker's SLACK_* bindings. */
export default async function setup(project: TestProject) {
  const { server, port } = await startFakeSlack();
  project.provide("fakeSlackPort", port);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
