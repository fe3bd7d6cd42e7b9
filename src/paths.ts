import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root (the directory holding package.json), from src/ under tsx or dist/src/ after tsc. */
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "migrations"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("fleetsight: cannot find the package root above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
})();

export const migrationsDir = join(packageRoot, "migrations");
export const referenceDir = join(packageRoot, "reference");
export const crontabPath = join(packageRoot, "crontab");

/** Where the embedded database and local state live: ./.fleetsight of the working directory. */
export function homeDir(): string {
  return resolve(process.env.FLEETSIGHT_HOME ?? ".fleetsight");
}

/** The inbox of uploaded files (SPEC §4). */
export function inboxDir(): string {
  return resolve(process.env.FLEETSIGHT_DATA_DIR ?? join("data", "inbox"));
}
