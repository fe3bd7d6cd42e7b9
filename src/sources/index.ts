// Client databases plug into loadClient (src/load/client.ts) through its setDatabaseLoader hook.
// Imported for this side effect by the load task and the `load` command.
import { setDatabaseLoader } from "../load/client.js";
import { loadDatabaseSource } from "./load.js";

setDatabaseLoader((sql, clientId, opts) => loadDatabaseSource(sql, clientId, opts));

export { loadDatabaseSource, makeReader } from "./load.js";
export { parseSourceUrl } from "./url.js";
