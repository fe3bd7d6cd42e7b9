// Tests for src/generate: determinism, shape of the files, realism bounds, truth.json.
// Run: node --import tsx --test test/generate.test.ts
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, INDUSTRIES, industryCode, RULES, type GenerateOptions } from '../src/generate/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let tmp = '';

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fleetsight-generate-'));
});
after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

let runNo = 0;
async function run(opts: GenerateOptions) {
  const dir = join(tmp, `run${runNo++}`);
  const res = await generate(dir, opts);
  const expenses = await readFile(res.expensesCsv, 'utf8');
  const vehicles = await readFile(res.vehiclesCsv, 'utf8');
  const truth = JSON.parse(await readFile(res.truthJson, 'utf8'));
  const lines = expenses.split('\n');
  assert.equal(lines.pop(), '', 'file ends with a newline');
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l) => l.split(','));
  const vlines = vehicles.split('\n');
  vlines.pop();
  return { dir, res, expenses, vehicles, truth, header, rows, vheader: vlines[0].split(','), vrows: vlines.slice(1).map((l) => l.split(',')) };
}

const sha = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');

// reference/fields.csv, parsed (quoted fields may hold commas)
async function fields(): Promise<{ field: string; table: string; type: string; industries: string }[]> {
  const text = await readFile(join(root, 'reference', 'fields.csv'), 'utf8');
  const out: { field: string; table: string; type: string; industries: string }[] = [];
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (!line.trim()) continue;
    const cells: string[] = [];
    let cur = '';
    let q = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (q) {
        if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
        else if (ch === '"') q = false;
        else cur += ch;
      } else if (ch === '"') q = true;
      else if (ch === ',') { cells.push(cur); cur = ''; }
      else cur += ch;
    }
    cells.push(cur);
    out.push({ field: cells[0], table: cells[1], type: cells[2], industries: cells[5] });
  }
  return out;
}

async function expectedExpenseHeader(industry: string): Promise<string[]> {
  const fixed = ['gov_number', 'date', 'driver', 'vehicle_type', 'daily_distance', 'fuel', 'fuel_liters', 'odometer_km'];
  const money = (await fields())
    .filter((f) => f.type === 'money' && f.table !== 'vehicles' && f.field !== 'fuel')
    .filter((f) => !f.industries || f.industries.split(';').includes(industry))
    .filter((f) => !(industry === 'carsharing' && (f.field === 'calculated_salary' || f.field === 'fines')))
    .map((f) => f.field);
  return [...fixed, ...money];
}

const SMALL: GenerateOptions = { vehicles: 40, days: 120, industry: 'logistics', seed: 7 };

test('same options → byte-identical files; another seed → different', async () => {
  const a = await run(SMALL);
  const b = await run(SMALL);
  const c = await run({ ...SMALL, seed: 8 });
  for (const k of ['expensesCsv', 'vehiclesCsv', 'truthJson'] as const) {
    assert.equal(await sha(a.res[k]), await sha(b.res[k]), `${k} differs between identical runs`);
  }
  assert.notEqual(await sha(a.res.expensesCsv), await sha(c.res.expensesCsv));
});

test('Russian industry name is accepted and equals the code', async () => {
  const a = await run({ ...SMALL, industry: 'Логистика', vehicles: 5, days: 20 });
  const b = await run({ ...SMALL, industry: 'logistics', vehicles: 5, days: 20 });
  assert.equal(await sha(a.res.expensesCsv), await sha(b.res.expensesCsv));
  assert.equal(industryCode(' Такси '), 'taxi');
  assert.equal(industryCode('carsharing'), 'carsharing');
  assert.equal(industryCode('Каршеринг'), 'carsharing');
  assert.equal(industryCode('nope'), null);
  assert.equal(INDUSTRIES.length, 9);
  await assert.rejects(() => generate(join(tmp, 'bad'), { ...SMALL, industry: 'spaceships' }), /unknown industry/);
});

test('row count = vehicles × days + duplicate rows; duplicates are exact and listed with line numbers', async () => {
  const r = await run(SMALL);
  const dups = r.truth.anomalies.filter((a: { rule: string }) => a.rule === 'duplicate_rows');
  assert.ok(dups.length >= 1);
  assert.equal(r.res.rows, SMALL.vehicles * SMALL.days + dups.length);
  assert.equal(r.rows.length, r.res.rows);
  assert.equal(r.truth.rows, r.res.rows);
  assert.equal(r.res.vehicles, SMALL.vehicles);
  const lines = r.expenses.split('\n');
  for (const d of dups) {
    const [orig, dup] = d.lines as number[];
    assert.ok(dup > orig);
    assert.equal(lines[dup - 1], lines[orig - 1], `line ${dup} should repeat line ${orig}`);
    assert.ok(lines[orig - 1].startsWith(`${d.subject},${d.period_start},`));
  }
  // no other exact duplicates
  const seen = new Set<string>();
  let extra = 0;
  for (const l of lines.slice(1)) {
    if (seen.has(l)) extra++;
    seen.add(l);
  }
  assert.equal(extra, dups.length);
  // every vehicle has exactly one row per day (apart from the duplicates)
  const keys = new Set(r.rows.map((x) => `${x[0]}|${x[1]}`));
  assert.equal(keys.size, SMALL.vehicles * SMALL.days);
});

test('anomalies: false → no anomalies and exactly vehicles × days rows', async () => {
  const r = await run({ ...SMALL, anomalies: false });
  assert.equal(r.truth.anomalies.length, 0);
  assert.equal(r.res.rows, SMALL.vehicles * SMALL.days);
});

test('headers are exactly the canonical field names; industry columns only for their industry', async () => {
  const all = await fields();
  const vfields = all.filter((f) => f.table === 'vehicles' || f.table === 'both').map((f) => f.field);
  const industryOnly = all.filter((f) => f.industries);
  for (const { code } of INDUSTRIES) {
    const r = await run({ vehicles: 6, days: 10, industry: code, seed: 1 });
    assert.deepEqual(r.header, await expectedExpenseHeader(code), `expenses header for ${code}`);
    assert.deepEqual(r.vheader, [
      'gov_number', 'vehicle_type', 'driver', 'release_year', 'mileage', 'fuel_consumption', 'tank_capacity_l',
      'trailer', 'is_rental', 'has_casco', 'purchase_price', 'rental_cost', 'start_date', 'last_repair_date',
    ]);
    for (const h of r.vheader) assert.ok(vfields.includes(h), `${h} is a vehicles field`);
    for (const f of industryOnly) {
      assert.equal(r.header.includes(f.field), f.industries.split(';').includes(code), `${f.field} in ${code}`);
    }
    for (const row of r.rows) assert.equal(row.length, r.header.length);
    for (const row of r.vrows) assert.equal(row.length, r.vheader.length);
  }
});

test('values: plates, ISO dates, numbers, ≤ 2 decimals, odometer follows distance', async () => {
  const r = await run({ vehicles: 60, days: 200, industry: 'buses', seed: 3 });
  const plate = /^([АВЕКМНОРСТУХ]\d{3}[АВЕКМНОРСТУХ]{2}|[АВЕКМНОРСТУХ]{2}\d{3})\d{2,3}$/;
  const num = /^-?\d+(\.\d{1,2})?$/;
  const km = /^\d+(\.\d)?$/;
  const iso = /^\d{4}-\d{2}-\d{2}$/;
  const h = r.header;
  const iDist = h.indexOf('daily_distance');
  const iOdo = h.indexOf('odometer_km');
  for (const row of r.rows) {
    assert.match(row[0], plate);
    assert.match(row[1], iso);
    assert.match(row[3], /^[А-Яа-яё]+$/);
    assert.match(row[iDist], km);
    for (let i = 5; i < row.length; i++) assert.match(row[i], num, `${h[i]} = ${row[i]}`);
  }
  for (const v of r.vrows) {
    assert.match(v[0], plate);
    const year = Number(v[3]);
    assert.ok(year >= 2008 && year <= 2025, `release_year ${year}`);
    assert.match(v[12], iso);
    assert.match(v[13], iso);
    assert.ok(Number(v[5]) > 3 && Number(v[5]) < 100, `fuel_consumption ${v[5]}`);
  }
  // per vehicle: odometer(d) − odometer(d−1) = distance(d), except the injected odometer events
  const events = new Set(
    r.truth.anomalies.filter((a: { rule: string }) => a.rule === 'odometer_check').map((a: { subject: string; period_start: string }) => `${a.subject}|${a.period_start}`),
  );
  const prev = new Map<string, number>();
  const seenDay = new Set<string>();
  let checked = 0;
  for (const row of r.rows) {
    const o = Number(row[iOdo]);
    const p = prev.get(row[0]);
    if (seenDay.has(`${row[0]}|${row[1]}`)) continue; // an injected duplicate row
    seenDay.add(`${row[0]}|${row[1]}`);
    if (p !== undefined && !events.has(`${row[0]}|${row[1]}`)) {
      const diff = Math.round((o - p) * 10);
      if (diff !== 0 || Number(row[iDist]) !== 0) assert.equal(diff, Math.round(Number(row[iDist]) * 10), `${row[0]} ${row[1]}`);
      checked++;
    }
    prev.set(row[0], o);
  }
  assert.ok(checked > 10000);
});

test('about 10% zero-km days, km per vehicle-day near the market average, fuel prices believable', async () => {
  for (const industry of ['logistics', 'construction', 'taxi', 'carsharing']) {
    const r = await run({ vehicles: 80, days: 365, industry, seed: 11 });
    const h = r.header;
    const iDist = h.indexOf('daily_distance');
    const iFuel = h.indexOf('fuel');
    const iL = h.indexOf('fuel_liters');
    let zero = 0;
    let km = 0;
    let rub = 0;
    let l = 0;
    for (const row of r.rows) {
      const d = Number(row[iDist]);
      if (d === 0) zero++;
      km += d;
      if (d > 0) {
        rub += Number(row[iFuel]);
        l += Number(row[iL]);
      }
    }
    const share = zero / r.rows.length;
    assert.ok(share >= 0.08 && share <= 0.12, `${industry}: zero-km share ${share}`);
    const perDay = km / r.rows.length;
    assert.ok(perDay > 100 && perDay < 130, `${industry}: km per vehicle-day ${perDay}`);
    const price = rub / l;
    assert.ok(price > 52 && price < 75, `${industry}: ${price} ₽/l`);
  }
});

test('truth.json lists every rule, with the required keys, and the look-alikes', async () => {
  const r = await run({ vehicles: 50, days: 365, industry: 'retail', seed: 5 });
  const t = r.truth;
  assert.deepEqual([...t.rules].sort(), [...RULES].sort());
  for (const rule of RULES) {
    assert.ok(t.counts[rule] >= 1, `${rule} injected`);
    assert.ok(t.counts[rule] >= Math.round(50 / 10) - 1, `${rule} scales with the fleet`);
  }
  const govs = new Set(r.vrows.map((v) => v[0]));
  const drivers = new Set(r.rows.map((x) => x[2]));
  for (const a of [...t.anomalies, ...t.lookalikes]) {
    for (const k of ['rule', 'subject_kind', 'subject', 'period_start', 'period_end', 'note']) assert.ok(k in a, `${k} in ${JSON.stringify(a)}`);
    assert.ok(RULES.includes(a.rule));
    assert.ok(a.period_start <= a.period_end);
    if (a.subject_kind === 'vehicle') assert.ok(govs.has(a.subject), a.subject);
    if (a.subject_kind === 'driver') assert.ok(drivers.has(a.subject), a.subject);
  }
  const lookRules = new Set(t.lookalikes.map((a: { rule: string }) => a.rule));
  for (const rule of ['silent_assets', 'fuel_norm_check', 'driver_fines']) assert.ok(lookRules.has(rule), `look-alike for ${rule}`);
});

test('injected anomalies are visible in the data', async () => {
  const r = await run({ vehicles: 50, days: 365, industry: 'logistics', seed: 9 });
  const h = r.header;
  const ix = (f: string) => h.indexOf(f);
  const byVehicle = new Map<string, string[][]>();
  for (const row of r.rows) {
    const list = byVehicle.get(row[0]) ?? [];
    list.push(row);
    byVehicle.set(row[0], list);
  }
  for (const a of r.truth.anomalies) {
    if (a.rule === 'silent_assets') {
      const rows = byVehicle.get(a.subject)!.filter((x) => x[1] >= a.period_start && x[1] <= a.period_end);
      assert.ok(rows.length >= 30);
      assert.ok(rows.every((x) => Number(x[ix('daily_distance')]) === 0));
      assert.ok(rows.every((x) => Number(x[ix('parking')]) > 0));
      assert.ok(rows.some((x) => Number(x[ix('insurance')]) > 0));
    }
    if (a.rule === 'idle_fuel') {
      const rows = byVehicle.get(a.subject)!.filter((x) => a.dates.includes(x[1]));
      assert.ok(rows.length >= 3);
      assert.ok(rows.every((x) => Number(x[ix('daily_distance')]) < 5 && Number(x[ix('fuel')]) > 0));
    }
    if (a.rule === 'odometer_check') {
      const rows = byVehicle.get(a.subject)!;
      const i = rows.findIndex((x) => x[1] === a.period_start);
      const delta = Number(rows[i][ix('odometer_km')]) - Number(rows[i - 1][ix('odometer_km')]);
      assert.ok(a.kind === 'backwards' ? delta < 0 : delta > 2000, `${a.subject} ${delta}`);
    }
    if (a.rule === 'high_salary') {
      const month = (ym: string) => r.rows.filter((x) => x[2] === a.subject && x[1].startsWith(ym)).reduce((s, x) => s + Number(x[ix('calculated_salary')]), 0);
      const months = [...new Set(r.rows.filter((x) => x[2] === a.subject).map((x) => x[1].slice(0, 7)))];
      const normal = months.filter((m) => !a.months.includes(m)).map(month).sort((p, q) => p - q);
      const median = normal[Math.floor(normal.length / 2)];
      for (const m of a.months) assert.ok(month(m) > 1.6 * median, `${a.subject} ${m}`);
    }
  }
});

test('carsharing: no drivers, no salary and no fines', async () => {
  const r = await run({ vehicles: 30, days: 60, industry: 'Каршеринг', seed: 2 });
  assert.ok(!r.header.includes('calculated_salary'));
  assert.ok(!r.header.includes('fines'));
  assert.ok(r.header.includes('driver'));
  assert.ok(r.rows.every((x) => x[2] === ''));
  assert.ok(r.vrows.every((x) => x[2] === ''));
  assert.ok(!r.truth.rules.includes('high_salary'));
  assert.ok(!r.truth.rules.includes('driver_fines'));
  assert.deepEqual(r.truth.skipped_rules.map((s: { rule: string }) => s.rule).sort(), ['driver_fines', 'high_salary']);
  assert.ok(r.truth.anomalies.every((a: { subject_kind: string }) => a.subject_kind !== 'driver'));
});

test('some vehicles have two drivers alternating days; drivers are Russian full names', async () => {
  const r = await run({ vehicles: 60, days: 30, industry: 'taxi', seed: 4 });
  const byVehicle = new Map<string, Set<string>>();
  for (const row of r.rows) {
    assert.match(row[2], /^[А-ЯЁ][а-яё]+(-[А-ЯЁ][а-яё]+)? [А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+(вич|вна|ична|ич)$/);
    const s = byVehicle.get(row[0]) ?? new Set();
    s.add(row[2]);
    byVehicle.set(row[0], s);
  }
  const two = [...byVehicle.values()].filter((s) => s.size === 2).length;
  assert.ok(two >= 5, `two-driver vehicles: ${two}`);
  assert.ok([...byVehicle.values()].every((s) => s.size <= 2));
});

test('dates: endDate default and explicit start', async () => {
  const a = await run({ vehicles: 2, days: 31, industry: 'other', seed: 1 });
  assert.equal(a.truth.options.end_date, '2026-10-31');
  assert.equal(a.truth.options.start_date, '2026-10-01');
  const b = await run({ vehicles: 2, days: 366, industry: 'other', seed: 1, startDate: '2024-01-01' });
  assert.equal(b.truth.options.end_date, '2024-12-31');
  assert.equal(b.rows[0][1], '2024-01-01');
  assert.equal(b.rows[b.rows.length - 1][1], '2024-12-31');
  const c = await run({ vehicles: 2, days: 10, industry: 'other', seed: 1, endDate: '2025-03-05' });
  assert.equal(c.truth.options.start_date, '2025-02-24');
  await assert.rejects(() => generate(join(tmp, 'bad2'), { vehicles: 1, days: 1, industry: 'other', endDate: '2025-02-30' }), /calendar date/);
});
