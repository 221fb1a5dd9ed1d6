import type { TestProject } from "vitest/node";
import { startFakeSlack } from "./fake-slack-server";
import { serveDuringRun } from "./serve-during-run";

declare module "vitest" {
  export interface ProvidedContext {
    fakeSlackPort: number;
  }
}

/** globalSetup: one fake Slack per test project; its port reaches the Worker's SLACK_* bindings. */
export default function setup(project: TestProject) {
  return serveDuringRun(project, "fakeSlackPort", () => startFakeSlack());
}
