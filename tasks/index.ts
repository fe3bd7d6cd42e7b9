// The typed task list given to graphile-worker (one task per file in this folder).
import type { TaskList } from "graphile-worker";
import { analyze } from "./analyze.js";
import { load } from "./load.js";
import { scan_inbox } from "./scan_inbox.js";
import { sweep } from "./sweep.js";

export const taskList: TaskList = { load, analyze, sweep, scan_inbox };
