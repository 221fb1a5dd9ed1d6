import type { TestProject } from "vitest/node";
import { startReceiver } from "./receiver-server";
import { serveDuringRun } from "./serve-during-run";

declare module "vitest" {
  export interface ProvidedContext {
    receiverPort: number;
  }
}

/** globalSetup: one scriptable HTTP receiver per test project (test/helpers/receiver.ts). */
export default function setup(project: TestProject) {
  return serveDuringRun(project, "receiverPort", () => startReceiver());
}
