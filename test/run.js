#!/usr/bin/env node
// `npm test`: resolve the server (DATABASE_URL, else the embedded cluster), build ONE migrated
// template database, then run every test file with node's test runner; each file clones the
// template into its own database (test/helpers/db.ts). The template is dropped at the end.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import postgres from "postgres";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { databaseUrl } = await import(join(root, "dist/src/db/url.js"));
const { migrateDatabase, withDatabase } = await import(join(root, "dist/src/db/migrate.js"));

const serverUrl = await databaseUrl();
const template = `fs_test_tpl_${process.pid}_${Date.now().toString(36)}`;
const admin = postgres(withDatabase(serverUrl, "postgres"), { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${template}`); // generated identifier, [a-z0-9_] only
let code = 1;
try {
  // Tests see uncommitted migrations too (migrations/current.sql), like a developer's database.
  await migrateDatabase(withDatabase(serverUrl, template), { includeCurrent: true });
  const only = process.argv.slice(2);
  const files = only.length
    ? only
    : readdirSync(join(root, "test")).filter((f) => f.endsWith(".test.ts")).sort().map((f) => join("test", f));
  code = await new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--test", "--test-reporter=spec", `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 3}`, ...files],
      { cwd: root, stdio: "inherit", env: { FLEETSIGHT_LOG_LEVEL: "warn", ...process.env, FLEETSIGHT_TEST_SERVER: serverUrl, FLEETSIGHT_TEST_TEMPLATE: template } },
    );
    child.on("exit", (c, sig) => resolve(c ?? (sig ? 1 : 0)));
  });
} finally {
  await admin.unsafe(`drop database if exists ${template} with (force)`).catch(() => {});
  await admin.end();
}
process.exit(code);
