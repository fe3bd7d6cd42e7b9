// The inbox (SPEC §4): <dir>/<client_id>/*.{csv,xlsx,json} and, like the old layout,
// <dir>/<client_id>_*.{csv,xlsx,json}. Files still being written and temp/lock files are skipped;
// after a load a file is moved (never deleted) to .processed/ or .failed/ (+ .error.json).
// Client ids are checked against a strict pattern and every path is resolved and checked to stay
// inside the inbox; symlinks are never followed.
import { lstat, mkdir, readdir, rename, writeFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { inboxDir } from "../paths.js";

const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const LOADABLE = /\.(csv|xlsx|json|ndjson|txt)$/i;
const TEMP = /^(~\$|\.~lock|\.)|\.(part|partial|tmp|crdownload|download|lock)$/i;
/** A file modified more recently than this may still be being written. */
const SETTLE_MS = Number(process.env.FLEETSIGHT_INBOX_SETTLE_MS ?? 5000);

export interface InboxFile {
  clientId: string;
  path: string;
  name: string;
  size: number;
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== "" && !rel.startsWith("..") && !rel.includes(`..${sep}`) && !resolve(root, rel).startsWith("..");
}

async function regularFile(path: string, now: number): Promise<{ size: number } | null> {
  try {
    const st = await lstat(path);
    if (!st.isFile()) return null; // symlinks, devices, directories
    if (now - st.mtimeMs < SETTLE_MS) return null;
    return { size: st.size };
  } catch {
    return null;
  }
}

function ownerOf(name: string, clientId: string | undefined, known: ReadonlySet<string> | undefined): string | null {
  if (clientId !== undefined) return name.startsWith(clientId + "_") ? clientId : null;
  let best: string | null = null;
  for (let i = name.indexOf("_"); i > 0; i = name.indexOf("_", i + 1)) {
    const id = name.slice(0, i);
    if (CLIENT_ID.test(id) && (!known || known.has(id))) best = id;
  }
  return best;
}

/**
 * Files ready to load, for one client or for every client (clientId undefined; `known` restricts
 * to existing clients and resolves which prefix of <client_id>_*.ext names the client).
 */
export async function listInbox(clientId?: string, dir = inboxDir(), now = Date.now(), known?: ReadonlySet<string>): Promise<InboxFile[]> {
  if (clientId !== undefined && !CLIENT_ID.test(clientId)) throw new Error(`malformed client id ${JSON.stringify(clientId.slice(0, 80))}`);
  const root = resolve(dir);
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: InboxFile[] = [];
  for (const e of entries) {
    if (TEMP.test(e.name)) continue;
    if (e.isDirectory() && CLIENT_ID.test(e.name) && (clientId === undefined ? !known || known.has(e.name) : e.name === clientId)) {
      const sub = join(root, e.name);
      let files: import("node:fs").Dirent[];
      try {
        files = await readdir(sub, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const f of files) {
        if (!f.isFile() || TEMP.test(f.name) || !LOADABLE.test(f.name)) continue;
        const p = join(sub, f.name);
        if (!inside(root, p)) continue;
        const st = await regularFile(p, now);
        if (st) out.push({ clientId: e.name, path: p, name: f.name, size: st.size });
      }
    } else if (e.isFile() && LOADABLE.test(e.name)) {
      // <client_id>_<anything>.ext. Client ids may contain "_" themselves (c_1234abcd), so the owner
      // is the longest "_"-prefix that is a known client (or the one asked for).
      const owner = ownerOf(e.name, clientId, known);
      if (!owner) continue;
      const p = join(root, e.name);
      const st = await regularFile(p, now);
      if (st) out.push({ clientId: owner, path: p, name: e.name, size: st.size });
    }
  }
  out.sort((a, b) => a.name.localeCompare(b.name));
  return out;
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
}

/** Move a loaded file to .processed/<client>/ or .failed/<client>/ (with <name>.error.json). */
export async function archiveInboxFile(f: InboxFile, ok: boolean, error?: unknown, dir = inboxDir()): Promise<string> {
  const root = resolve(dir);
  const target = join(root, ok ? ".processed" : ".failed", f.clientId);
  await mkdir(target, { recursive: true });
  const dest = join(target, `${stamp()}_${f.name}`);
  await rename(f.path, dest);
  if (!ok) await writeFile(dest + ".error.json", JSON.stringify(error ?? {}, null, 2) + "\n");
  return dest;
}
