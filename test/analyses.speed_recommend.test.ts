// The recommendations' shortcuts (src/recommend/findings.ts) against the plain definitions they
// replace: topN = sort + slice (stable, with ties and a filter), median over a typed array = median
// over a sorted copy, and the recommendations of random facts with many ties.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildRecommendations, buildRecommendationsDetail, driverScores, type RecommendationFacts } from "../src/recommend/index.js";
import { median, topN } from "../src/recommend/findings.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test("topN equals a stable sort + slice, with ties and a filter", () => {
  const r = rng(7);
  for (let round = 0; round < 200; round++) {
    const rows = Array.from({ length: Math.floor(r() * 40) }, (_, i) => ({ i, v: Math.floor(r() * 5), id: String.fromCharCode(65 + Math.floor(r() * 6)) }));
    const cmp = (a: { v: number; id: string }, b: { v: number; id: string }) => b.v - a.v || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const keep = (x: { v: number }) => x.v !== 2;
    for (const n of [0, 1, 3, 5, 50]) {
      const expected = rows.filter(keep).sort(cmp).slice(0, n);
      assert.deepEqual(topN(rows, n, cmp, keep), expected);
    }
  }
});

test("median over a typed array equals the median of a sorted copy", () => {
  const r = rng(11);
  assert.equal(median([]), null);
  for (let round = 0; round < 200; round++) {
    const values = Array.from({ length: 1 + Math.floor(r() * 30) }, () => Math.round((r() - 0.3) * 1e6) / 100);
    const s = [...values].sort((a, b) => a - b);
    const h = s.length >> 1;
    assert.equal(median(values), s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2);
  }
});

test("recommendations of random facts with ties: top 5 by the documented orders", () => {
  const r = rng(3);
  for (let round = 0; round < 30; round++) {
    const money = () => (r() < 0.3 ? 0 : Math.floor(r() * 4) * 1000 + (r() < 0.5 ? 0.5 : 0));
    const facts: RecommendationFacts = {
      year: "2024",
      year_complete: true,
      year_total: 123456.78,
      year_budget: null,
      total: 500000,
      vehicles: Array.from({ length: 30 }, (_, i) => ({ id: `V${String(i).padStart(2, "0")}`, km: r() < 0.2 ? 0 : Math.floor(r() * 3) * 100, fuel: money(), maintenance: money(), downtime_cost: money(), total: money() })),
      drivers: Array.from({ length: 30 }, (_, i) => ({ id: `D${String(29 - i).padStart(2, "0")}`, km: Math.floor(r() * 3) * 100, fuel: money(), fines: money(), fine_days: Math.floor(r() * 3) })),
    };
    const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const rec = buildRecommendations(facts);
    const top = (rows: { id: string }[]) => rows.slice(0, 5).map((x) => x.id).join(", ");
    const names = (text: string | undefined) => (text === undefined ? undefined : text.slice(text.indexOf(": ") + 2).split(". ")[0].replace(/\.$/, ""));
    const byRub = <T extends { id: string }>(rows: T[], v: (x: T) => number) =>
      top(rows.filter((x) => Math.round(v(x) * 100) / 100 > 0).sort((a, b) => v(b) - v(a) || byName(a.id, b.id)));
    const expectDowntime = byRub(facts.vehicles, (x) => x.downtime_cost);
    assert.equal(names(rec.downtime), expectDowntime || undefined);
    const expectFines = byRub(facts.drivers, (x) => x.fines);
    assert.equal(names(rec.high_fines), expectFines || undefined);
    const fuel = facts.vehicles.filter((v) => Math.round(v.fuel * 100) / 100 > 0);
    const expectFuel = top([
      ...fuel.filter((v) => !(v.km > 0)).sort((a, b) => b.fuel - a.fuel || byName(a.id, b.id)),
      ...fuel.filter((v) => v.km > 0).sort((a, b) => b.fuel / b.km - a.fuel / a.km || byName(a.id, b.id)),
    ]);
    assert.equal(names(rec.fuel_efficiency), expectFuel || undefined);
    const scores = driverScores(facts.drivers);
    if (rec.inefficient_drivers !== undefined) assert.equal(names(rec.inefficient_drivers), top(scores));
    // the detail names the same subjects, in the same order
    const detail = buildRecommendationsDetail(facts);
    for (const item of detail) {
      const text = (rec as Record<string, string>)[item.code];
      assert.equal(item.text, text);
    }
  }
});
