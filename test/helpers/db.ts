// Each test file gets its own database cloned from the migrated template that test/run.js made
// (`create database … template …` copies files: milliseconds, not a migration run).
import { after } from "node:test";
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { connect, type Sql } from "../../src/db/connection.js";
import { withDatabase } from "../../src/db/migrate.js";

export interface TestDb {
  sql: Sql;
  url: string;
  name: string;
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite with \`npm test\` (test/run.js prepares the template database)`);
  return v;
}

/** A fresh migrated database for this test file, dropped after the file's tests (kept if KEEP_TEST_DB=1). */
export async function freshDatabase(): Promise<TestDb> {
  const server = env("FLEETSIGHT_TEST_SERVER");
  const template = env("FLEETSIGHT_TEST_TEMPLATE");
  const name = `fs_t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(withDatabase(server, "postgres"), { max: 1, onnotice: () => {} });
  // Two files cloning the template at the same moment would collide on its connections; retry.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.unsafe(`create database ${name} template ${template}`);
      break;
    } catch (e) {
      if (attempt > 50 || !/being accessed by other users/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const url = withDatabase(server, name);
  const sql = connect(url, { max: 4, appName: "fleetsight-test" });
  after(async () => {
    await sql.end({ timeout: 5 });
    if (!process.env.KEEP_TEST_DB) await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  return { sql, url, name };
}
