#!/usr/bin/env node
// `npx hookrouter`: runs the TypeScript CLI (src/cli) through tsx's loader, so a clone needs only
// `npm install` (no build step). The loader is scoped to this import and never touches the Worker.
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

const { main } = await tsImport("../src/cli/main.ts", {
  parentURL: import.meta.url,
  tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)),
});
process.exitCode = await main(process.argv.slice(2));
