import { embeddedStatus, ensureEmbedded, stopEmbedded } from "../../db/embedded.js";
import { databaseUrl, usingEmbedded } from "../../db/url.js";
import { redact } from "../../log.js";
import { parse } from "../args.js";
import { usage } from "../errors.js";

export async function dbCommand(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, { json: { type: "boolean" }, redacted: { type: "boolean" } });
  const sub = positionals[0];
  switch (sub) {
    case "url": {
      // The URL is the user's own (DATABASE_URL or the local embedded cluster): printing it is the point.
      const url = await databaseUrl();
      process.stdout.write((values.redacted ? redact(url) : url) + "\n");
      return 0;
    }
    case "start": {
      if (!usingEmbedded()) {
        process.stdout.write("DATABASE_URL is set: nothing to start (the embedded database is used only without it)\n");
        return 0;
      }
      await ensureEmbedded();
      const s = embeddedStatus();
      process.stdout.write(values.json ? JSON.stringify(s) + "\n" : `embedded PostgreSQL running on 127.0.0.1:${s.port} (data: ${s.dataDir})\n`);
      return 0;
    }
    case "stop": {
      const stopped = await stopEmbedded();
      process.stdout.write(stopped ? "embedded PostgreSQL stopped\n" : "embedded PostgreSQL was not running\n");
      return 0;
    }
    case "status": {
      const s = embeddedStatus();
      process.stdout.write(values.json ? JSON.stringify(s) + "\n" : `embedded: ${s.initialised ? (s.running ? `running on port ${s.port}` : "stopped") : "not initialised"}${s.dataDir ? ` (data: ${s.dataDir})` : ""}\n`);
      return 0;
    }
    default:
      throw usage("usage: fleetsight db url|start|stop|status");
  }
}
