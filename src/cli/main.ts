// fleetsight CLI: one dispatcher, one module per command. Exit codes: 0 ok, 2 bad usage/input,
// 3 partial (some rows rejected), 4 failed.
import { closeDb } from "../db/connection.js";
import { redact } from "../log.js";
import { CliError, EXIT } from "./errors.js";

const HELP = `fleetsight — fleet expense analytics on PostgreSQL

  fleetsight db url|start|stop|status        the database in use; embedded lifecycle
  fleetsight migrate                         graphile-migrate + graphile-worker schema + reference data
  fleetsight client add <id> --industry <code|Русское название> --budget <rub> [--name ..] [--source-url ..]
  fleetsight client list
  fleetsight map <client_id> "<header>" <field>   a per-client header mapping
  fleetsight load <client_id> [FILE...] [--json] [--full]
  fleetsight analyze <client_id> [--json] [--as-of YYYY-MM-DD]
  fleetsight worker [--concurrency N] [--once]
  fleetsight adapter install|uninstall web-users  keep fleet.clients in sync with the dashboard's web.users
  fleetsight forecast [--horizon H] [--frequency M] [--level 95]   (JSON on stdin/stdout)
  fleetsight generate --out DIR [--vehicles N --days D --industry X --seed S]
  fleetsight demo

DATABASE_URL selects the database; without it an embedded PostgreSQL under ./.fleetsight is used.
`;

type Command = (args: string[]) => Promise<number>;
const commands: Record<string, () => Promise<Command>> = {
  db: async () => (await import("./commands/db.js")).dbCommand,
  migrate: async () => (await import("./commands/migrate.js")).migrateCommand,
  client: async () => (await import("./commands/client.js")).clientCommand,
  map: async () => (await import("./commands/map.js")).mapCommand,
  load: async () => (await import("./commands/load.js")).loadCommand,
  analyze: async () => (await import("./commands/analyze.js")).analyzeCommand,
  worker: async () => (await import("./commands/worker.js")).workerCommand,
  forecast: async () => (await import("./commands/forecast.js")).forecastCommand,
  generate: async () => (await import("./commands/generate.js")).generateCommand,
  demo: async () => (await import("./commands/demo.js")).demoCommand,
  internal: async () => (await import("./commands/internal.js")).internalCommand,
  adapter: async () => (await import("./commands/adapter.js")).adapterCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(HELP);
    return name ? EXIT.ok : EXIT.usage;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`fleetsight: unknown command ${JSON.stringify(name)}\n\n${HELP}`);
    return EXIT.usage;
  }
  return (await load())(rest);
}

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof CliError) {
    process.stderr.write(`fleetsight: ${redact(e.message)}\n`);
    code = e.exitCode;
  } else {
    const err = e as Error;
    process.stderr.write(`fleetsight: ${redact(err?.message ?? String(e))}\n`);
    if (process.env.FLEETSIGHT_DEBUG) process.stderr.write(redact(err?.stack ?? "") + "\n");
    code = EXIT.failed;
  }
}
await closeDb().catch(() => {});
process.exitCode = code;
