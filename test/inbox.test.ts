// The inbox (FLEETSIGHT_DATA_DIR): layouts, files still being written, temp/lock files, archiving
// to .processed/ and .failed/ (never deleted), scan_inbox, path tricks, and the load task with
// nothing to load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabase } from "./helpers/db.js";
import { archiveInboxFile, inboxFileByName, listInbox, ownerOf } from "../src/load/inbox.js";
import { loadClient } from "../src/load/client.js";
import { scanInbox } from "../src/load/scan.js";

const db = await freshDatabase();
for (const id of ["c", "c_1234abcd", "c_empty", "c_scan", "c_trick"]) await db.sql`insert into fleet.clients (client_id, industry) values (${id}, 'logistics')`;
const known = new Set(["c", "c_1234abcd", "c_empty", "c_scan", "c_trick"]);

const CSV = "Дата;Госномер;Топливо, руб\r\n27.11.2025;А123ВС77;100\r\n28.11.2025;В456ОР199;200\r\n";
const old = new Date(Date.now() - 3600_000);
function put(path: string, data: string | Buffer = CSV, mtime: Date = old): string {
  writeFileSync(path, data);
  utimesSync(path, mtime, mtime);
  return path;
}
function newInbox(): string {
  const dir = mkdtempSync(join(tmpdir(), "fs-inbox-"));
  process.env.FLEETSIGHT_DATA_DIR = dir;
  return dir;
}
const names = (files: { name: string }[]) => files.map((f) => f.name);

test("layouts: <dir>/<client>/file.csv and <dir>/<client>_x.csv, client ids with underscores", async () => {
  const dir = newInbox();
  mkdirSync(join(dir, "c_1234abcd"));
  put(join(dir, "c_1234abcd", "a.csv"));
  put(join(dir, "c_1234abcd", "b.xlsx"), "not really a workbook");
  put(join(dir, "c_1234abcd_x.csv"));
  put(join(dir, "c_y.csv"));
  put(join(dir, "unknown_z.csv")); // no such client
  put(join(dir, "c_1234abcd", "notes.pdf")); // not a loadable kind

  assert.equal(ownerOf("c_1234abcd_x.csv", known), "c_1234abcd");
  assert.equal(ownerOf("c_y.csv", known), "c");
  assert.equal(ownerOf("unknown_z.csv", known), null);

  assert.deepEqual(names(await listInbox("c_1234abcd", dir, Date.now(), known)), ["a.csv", "b.xlsx", "c_1234abcd_x.csv"]);
  // client "c" must not take c_1234abcd's old-layout file
  assert.deepEqual(names(await listInbox("c", dir, Date.now(), known)), ["c_y.csv"]);
  const all = await listInbox(undefined, dir, Date.now(), known);
  assert.deepEqual(all.map((f) => [f.clientId, f.name]), [
    ["c_1234abcd", "a.csv"],
    ["c_1234abcd", "b.xlsx"],
    ["c_1234abcd", "c_1234abcd_x.csv"],
    ["c", "c_y.csv"],
  ]);
});

test("files still being written (mtime within FLEETSIGHT_INBOX_SETTLE_MS) and temp/lock files are skipped", async () => {
  const dir = newInbox();
  mkdirSync(join(dir, "c"));
  put(join(dir, "c", "fresh.csv"), CSV, new Date());
  put(join(dir, "c", "done.csv"));
  put(join(dir, "c", "~$book.xlsx"));
  put(join(dir, "c", ".~lock.book.xlsx#"));
  put(join(dir, "c", "upload.csv.part"));
  put(join(dir, "c", "upload.csv.crdownload"));
  put(join(dir, "c", ".hidden.csv"));
  put(join(dir, "c_partial.csv.tmp"));
  const saved = process.env.FLEETSIGHT_INBOX_SETTLE_MS;
  try {
    process.env.FLEETSIGHT_INBOX_SETTLE_MS = "60000";
    assert.deepEqual(names(await listInbox("c", dir, Date.now(), known)), ["done.csv"]);
    process.env.FLEETSIGHT_INBOX_SETTLE_MS = "0";
    assert.deepEqual(names(await listInbox("c", dir, Date.now(), known)), ["done.csv", "fresh.csv"]);
  } finally {
    if (saved === undefined) delete process.env.FLEETSIGHT_INBOX_SETTLE_MS;
    else process.env.FLEETSIGHT_INBOX_SETTLE_MS = saved;
  }
});

test("loading the inbox: good files to .processed/, refused ones to .failed/ with .error.json, never deleted", async () => {
  const dir = newInbox();
  mkdirSync(join(dir, "c_1234abcd"));
  put(join(dir, "c_1234abcd", "good.csv"));
  put(join(dir, "c_1234abcd", "bad.csv"), "foo;bar\r\n1;2\r\n");
  put(join(dir, "c_1234abcd_old_layout.csv"), "Дата;Госномер;Топливо, руб\r\n29.11.2025;Е001КХ50;300\r\n");
  const out = await loadClient(db.sql, "c_1234abcd");
  assert.equal(out.nothingToLoad, false);
  assert.deepEqual(out.results.map((r) => [r.source, r.status]), [
    ["bad.csv", "refused"],
    ["c_1234abcd_old_layout.csv", "ok"],
    ["good.csv", "ok"],
  ]);
  const [{ n }] = await db.sql<{ n: string }[]>`select count(*) as n from fleet.expenses where client_id = 'c_1234abcd'`;
  assert.equal(n, "3");
  // the inbox is empty; nothing was deleted
  assert.deepEqual(readdirSync(join(dir, "c_1234abcd")), []);
  assert.ok(!existsSync(join(dir, "c_1234abcd_old_layout.csv")));
  const processed = readdirSync(join(dir, ".processed", "c_1234abcd")).sort();
  assert.equal(processed.length, 2);
  assert.match(processed[0], /^\d{8}T\d{6}_c_1234abcd_old_layout\.csv$/);
  assert.match(processed[1], /^\d{8}T\d{6}_good\.csv$/);
  assert.equal(readFileSync(join(dir, ".processed", "c_1234abcd", processed[1]), "utf8"), CSV);
  const failed = readdirSync(join(dir, ".failed", "c_1234abcd")).sort();
  assert.equal(failed.length, 2);
  assert.match(failed[0], /^\d{8}T\d{6}_bad\.csv$/);
  assert.equal(failed[1], failed[0] + ".error.json");
  assert.equal(readFileSync(join(dir, ".failed", "c_1234abcd", failed[0]), "utf8"), "foo;bar\r\n1;2\r\n");
  const err = JSON.parse(readFileSync(join(dir, ".failed", "c_1234abcd", failed[1]), "utf8"));
  assert.equal(err.status, "refused");
  assert.equal(err.file, "bad.csv");
  assert.match(err.error, /no recognisable columns: headers seen "foo", "bar"/);
  assert.equal(typeof err.load_id, "number");

  // the archive never overwrites: the same name archived again in the same second gets its own name
  put(join(dir, "c_1234abcd", "good.csv"));
  const f = (await listInbox("c_1234abcd", dir, Date.now(), known))[0];
  const a1 = await archiveInboxFile(f, true);
  put(join(dir, "c_1234abcd", "good.csv"));
  const a2 = await archiveInboxFile(f, true);
  assert.ok(a1 && a2 && a1 !== a2);
  assert.equal(readdirSync(join(dir, ".processed", "c_1234abcd")).length, 4);
  // an already moved file is not an error
  assert.equal(await archiveInboxFile(f, true), null);
});

test("scan_inbox enqueues one load per client with files (job key load:<client>)", async () => {
  const dir = newInbox();
  mkdirSync(join(dir, "c_scan"));
  put(join(dir, "c_scan", "a.csv"));
  put(join(dir, "c_scan", "b.csv"));
  put(join(dir, "c_1234abcd_x.csv"));
  put(join(dir, "nobody_x.csv"));
  mkdirSync(join(dir, "c_empty"));
  put(join(dir, "c_empty", "~$lock.xlsx"));
  const r = await scanInbox(db.sql);
  assert.deepEqual(r, { clients: ["c_1234abcd", "c_scan"], files: 3 });
  const jobs = await db.sql<{ key: string; payload: { client_id: string } }[]>`
    select key, payload from graphile_worker._private_jobs where key like 'load:%' order by key`;
  assert.deepEqual(jobs.map((j) => [j.key, j.payload.client_id]), [
    ["load:c_1234abcd", "c_1234abcd"],
    ["load:c_scan", "c_scan"],
  ]);
  // scanning again while the jobs are pending leaves one job per client
  await scanInbox(db.sql);
  const again = await db.sql`select 1 from graphile_worker._private_jobs where key like 'load:%'`;
  assert.equal(again.length, 2);
  await db.sql`delete from graphile_worker._private_jobs where key like 'load:%'`;
});

test("path tricks: ../, absolute paths, symlinks out of the inbox are never loaded", async () => {
  const dir = newInbox();
  const outside = mkdtempSync(join(tmpdir(), "fs-outside-"));
  const secret = put(join(outside, "secret.csv"));
  mkdirSync(join(dir, "c_trick"));
  symlinkSync(secret, join(dir, "c_trick", "link.csv")); // file symlink inside the client folder
  symlinkSync(outside, join(dir, "c_scan")); // a client folder that is a symlink out of the inbox
  symlinkSync(secret, join(dir, "c_trick_link.csv")); // old layout, symlink
  put(join(dir, "c_trick", "ok.csv"));

  assert.deepEqual(names(await listInbox("c_trick", dir, Date.now(), known)), ["ok.csv"]);
  assert.deepEqual(names(await listInbox("c_scan", dir, Date.now(), known)), []);
  assert.deepEqual(names(await listInbox(undefined, dir, Date.now(), known)), ["ok.csv"]);
  await assert.rejects(listInbox("../c_trick", dir), /malformed client id/);
  await assert.rejects(listInbox("/etc", dir), /malformed client id/);

  for (const [name, reason] of [
    ["../../" + secret, /only a plain file name/],
    [secret, /only a plain file name/],
    ["c_trick/../../x.csv", /only a plain file name/],
    ["..", /only a plain file name/],
    ["link.csv", /symbolic link/],
    ["c_trick_link.csv", /symbolic link/],
    [".hidden.csv", /hidden, temporary or lock file/],
    ["c_1234abcd_x.csv", /not in the inbox of c_trick/],
  ] as const) {
    const found = await inboxFileByName("c_trick", name, dir, known);
    assert.equal(found.file, null, name);
    assert.match(found.reason ?? "", reason, name);
  }

  // through the load (what a job payload {client_id, files} does): refused loads, nothing loaded
  const out = await loadClient(db.sql, "c_trick", { files: [secret, "../" + "c_trick/ok.csv", "link.csv"] });
  assert.deepEqual(out.results.map((r) => r.status), ["refused", "refused", "refused"]);
  assert.match(out.results[0].error ?? "", /only a plain file name in the client's inbox is allowed/);
  assert.match(out.results[2].error ?? "", /symbolic link/);
  const [{ n }] = await db.sql<{ n: string }[]>`select count(*) as n from fleet.expenses where client_id = 'c_trick'`;
  assert.equal(n, "0");
  assert.ok(existsSync(secret), "the outside file is untouched");
  assert.ok(existsSync(join(dir, "c_trick", "link.csv")), "a refused name moves nothing");

  // a plain name in the client's folder is fine
  const ok = await loadClient(db.sql, "c_trick", { files: ["ok.csv"] });
  assert.deepEqual(ok.results.map((r) => r.status), ["ok"]);
  assert.ok(!existsSync(join(dir, "c_trick", "ok.csv")));

  // the whole-inbox load ignores the symlinks too
  const all = await loadClient(db.sql, "c_trick");
  assert.equal(all.nothingToLoad, true);
});

test("the load task with no files and no linked database: 'nothing to load', success", async () => {
  newInbox();
  process.env.DATABASE_URL = db.url;
  const { load } = await import("../tasks/load.js");
  const { closeDb } = await import("../src/db/connection.js");
  try {
    await load({ client_id: "c_empty" }, { job: { id: "1" }, logger: console } as never);
    // a file name with a path in the payload: a refused load recorded, not a failed (retried) job
    await load({ client_id: "c_empty", files: ["../etc/passwd"] }, { job: { id: "2" }, logger: console } as never);
    const loads = await db.sql<{ status: string; error: string }[]>`select status, error from fleet.loads where client_id = 'c_empty'`;
    assert.deepEqual(loads.map((l) => l.status), ["refused"]);
    assert.match(loads[0].error, /only a plain file name/);
    await assert.rejects(async () => load({ client_id: "../x" }, { job: { id: "3" } } as never), /bad payload — client_id/);
  } finally {
    await closeDb();
  }
});
