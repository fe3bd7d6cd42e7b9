#!/usr/bin/env node
// The CLI entry: runs the compiled TypeScript (npm ci builds it in `prepare`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write("fleetsight: not built yet — run `npm ci` (or `npm run build`) in the package directory\n");
  process.exit(4);
}
await import(main.href);
