// `fleetsight migrate`: graphile-worker's schema, then our graphile-migrate migrations, then the
// reference data. Each step is idempotent, so running it twice changes nothing.
import { migrate as gmMigrate, watch as gmWatch, Logger } from "graphile-migrate";
import { runMigrations as workerMigrations } from "graphile-worker";
// graphile-migrate keeps an idle pg pool per connection string for a while after a command and
// exits the process if one of its idle clients errors (e.g. the database is dropped): release the
// pools as soon as we are done. Not in its public index, hence the deep import.
import { clearAllPools } from "graphile-migrate/dist/pgReal.js";
import { migrationsDir } from "../paths.js";
import { connect } from "./connection.js";
import { syncReferenceData } from "./reference.js";
import { quietWorkerLogger } from "../worker/logger.js";

/** A connection string for the same server but another database (graphile-migrate's root). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = "/" + encodeURIComponent(database);
  return u.toString();
}

const silentMigrateLogger = new Logger(() => () => {});

/**
 * Apply everything. `includeCurrent` also runs migrations/current.sql (the uncommitted migration a
 * developer is working on) — for development and test databases only; `fleetsight migrate` runs
 * committed migrations only.
 */
export async function migrateDatabase(url: string, opts: { includeCurrent?: boolean } = {}): Promise<{ referenceRows: number }> {
  await workerMigrations({ connectionString: url, logger: quietWorkerLogger });
  const settings = {
    connectionString: url,
    rootConnectionString: withDatabase(url, "postgres"),
    migrationsFolder: migrationsDir,
    logger: silentMigrateLogger,
  };
  try {
    await gmMigrate(settings);
    if (opts.includeCurrent) await gmWatch(settings, true);
  } finally {
    clearAllPools();
  }
  const sql = connect(url, { max: 1, appName: "fleetsight-migrate" });
  try {
    return { referenceRows: await syncReferenceData(sql) };
  } finally {
    await sql.end();
  }
}
