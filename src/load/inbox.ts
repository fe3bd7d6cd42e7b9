// The inbox (SPEC §4): <dir>/<client_id>/*.{csv,xlsx,json} and, like the old layout,
// <dir>/<client_id>_*.{csv,xlsx,json}. Files still being written and temp/lock files are skipped;
// after a load a file is moved (never deleted) to .processed/ or .failed/ (+ .error.json).
// Client ids are checked against a strict pattern and every path is resolved and checked to stay
// inside the inbox; symlinks are never followed (and the reader re-checks the real path).
import { existsSync } from "node:fs";
import { lstat, mkdir, readdir, rename, writeFile } from "node:fs/promises";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import { inboxDir } from "../paths.js";

export const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const LOADABLE = /\.(csv|tsv|txt|xlsx|json|ndjson|jsonl)$/i;
/** Excel/LibreOffice lock files, hidden files, partial downloads and uploads. */
const TEMP = /^(~\$|\.~lock|\.)|\.(part|partial|tmp|crdownload|download|lock|swp)$/i;

/** A file modified more recently than this (ms) may still be being written (env FLEETSIGHT_INBOX_SETTLE_MS, default 5000). */
export function settleMs(): number {
  const v = Number(process.env.FLEETSIGHT_INBOX_SETTLE_MS ?? 5000);
  return Number.isFinite(v) && v >= 0 ? v : 5000;
}

export interface InboxFile {
  clientId: string;
  path: string;
  name: string;
  size: number;
}

/** Whether `p` is strictly inside `root` (both absolute, lexically; symlinks are checked separately). */
export function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== "" && rel !== ".." && !rel.startsWith(".." + sep) && !isAbsolute(rel);
}

async function regularFile(path: string, now: number, settle: number): Promise<{ size: number } | null> {
  try {
    const st = await lstat(path);
    if (!st.isFile()) return null; // symlinks, devices, directories
    if (now - st.mtimeMs < settle) return null;
    return { size: st.size };
  } catch {
    return null;
  }
}

/**
 * The client a top-level `<client_id>_<anything>.ext` belongs to. Client ids may contain "_"
 * themselves (c_1234abcd), so the owner is the longest "_"-prefix that is a known client; without
 * a list of known clients, the longest well-formed prefix.
 */
export function ownerOf(name: string, known: ReadonlySet<string> | undefined): string | null {
  let best: string | null = null;
  for (let i = name.indexOf("_"); i > 0; i = name.indexOf("_", i + 1)) {
    const id = name.slice(0, i);
    if (CLIENT_ID.test(id) && (!known || known.has(id))) best = id;
  }
  return best;
}

/**
 * Files ready to load, for one client or for every client (clientId undefined). `known` (the
 * existing clients) restricts the result to them and decides which prefix of a
 * <client_id>_*.ext name is the client: with clients "c" and "c_1", `c_1_x.csv` is c_1's, never c's.
 */
export async function listInbox(clientId?: string, dir = inboxDir(), now = Date.now(), known?: ReadonlySet<string>): Promise<InboxFile[]> {
  if (clientId !== undefined && !CLIENT_ID.test(clientId)) throw new Error(`malformed client id ${JSON.stringify(clientId.slice(0, 80))}`);
  const root = resolve(dir);
  const settle = settleMs();
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: InboxFile[] = [];
  for (const e of entries) {
    if (TEMP.test(e.name)) continue;
    // Dirent types come from lstat: a symlink to a directory or file is neither.
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
        const st = await regularFile(p, now, settle);
        if (st) out.push({ clientId: e.name, path: p, name: f.name, size: st.size });
      }
    } else if (e.isFile() && LOADABLE.test(e.name)) {
      const owner = ownerOf(e.name, known);
      if (!owner || (clientId !== undefined && owner !== clientId)) continue;
      const p = join(root, e.name);
      if (!inside(root, p)) continue;
      const st = await regularFile(p, now, settle);
      if (st) out.push({ clientId: owner, path: p, name: e.name, size: st.size });
    }
  }
  out.sort((a, b) => a.name.localeCompare(b.name));
  return out;
}

/**
 * A file named in a job payload: a plain file name in the client's inbox folder
 * (<dir>/<client>/<name>) or an old-layout <dir>/<client>_*.ext. Anything with a path in it
 * (`../`, `/etc/passwd`, `a/b.csv`), hidden/temp names and names of other clients are refused
 * with a reason; null reason = found.
 */
export async function inboxFileByName(clientId: string, name: string, dir = inboxDir(), known?: ReadonlySet<string>): Promise<{ file: InboxFile | null; reason: string | null }> {
  if (!CLIENT_ID.test(clientId)) return { file: null, reason: `malformed client id ${JSON.stringify(clientId.slice(0, 80))}` };
  const shown = JSON.stringify(name.slice(0, 200));
  // eslint-disable-next-line no-control-regex
  if (name === "" || name.length > 255 || /[/\\\u0000-\u001f]/.test(name) || isAbsolute(name) || name === "." || name === ".." || basename(name) !== name) {
    return { file: null, reason: `file ${shown} refused: only a plain file name in the client's inbox is allowed (no paths)` };
  }
  if (TEMP.test(name)) return { file: null, reason: `file ${shown} refused: a hidden, temporary or lock file` };
  const root = resolve(dir);
  const candidates: string[] = [join(root, clientId, name)];
  if (ownerOf(name, known) === clientId) candidates.push(join(root, name));
  for (const p of candidates) {
    if (!inside(root, p)) continue;
    try {
      const st = await lstat(p);
      if (st.isSymbolicLink()) return { file: null, reason: `file ${shown} refused: a symbolic link (never followed in the inbox)` };
      if (!st.isFile()) continue;
      return { file: { clientId, path: p, name, size: st.size }, reason: null };
    } catch {
      // try the next place
    }
  }
  return { file: null, reason: `file ${shown} is not in the inbox of ${clientId}` };
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
}

/**
 * Move a loaded file to .processed/<client>/ or .failed/<client>/ (with <name>.error.json), as
 * <UTC stamp>_<name>; never overwrites an earlier archived file. Returns the new path, or null
 * when the file is already gone (another worker archived it).
 */
export async function archiveInboxFile(f: InboxFile, ok: boolean, error?: unknown, dir = inboxDir()): Promise<string | null> {
  const root = resolve(dir);
  if (!CLIENT_ID.test(f.clientId)) throw new Error(`malformed client id ${JSON.stringify(f.clientId.slice(0, 80))}`);
  const target = join(root, ok ? ".processed" : ".failed", f.clientId);
  await mkdir(target, { recursive: true });
  const base = `${stamp()}_${basename(f.name)}`;
  let dest = join(target, base);
  for (let n = 2; existsSync(dest) || existsSync(dest + ".error.json"); n++) dest = join(target, `${base.replace(/^(\d{8}T\d{6})_/, `$1-${n}_`)}`);
  try {
    await rename(f.path, dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  if (!ok) await writeFile(dest + ".error.json", JSON.stringify(error ?? {}, null, 2) + "\n");
  return dest;
}
