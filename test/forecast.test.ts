import { test } from "node:test";
import assert from "node:assert/strict";
import { forecast, parseForecastRequest, ForecastInputError, type ForecastResult } from "../src/forecast/index.js";

// deterministic pseudo-noise for synthetic series
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

const AIR36 = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140, 145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166];

function assertFiniteResult(r: ForecastResult, n: number, h: number): void {
  assert.equal(r.mean.length, h);
  assert.equal(r.lower.length, h);
  assert.equal(r.upper.length, h);
  assert.equal(r.fitted.length, n);
  assert.equal(r.fittedLower.length, n);
  assert.equal(r.fittedUpper.length, n);
  assert.equal(r.n, n);
  for (const a of [r.mean, r.lower, r.upper, r.fitted, r.fittedLower, r.fittedUpper]) for (const v of a) assert.ok(Number.isFinite(v), `non-finite value in ${JSON.stringify(r)}`);
  assert.ok(Number.isFinite(r.sigma2));
  assert.ok(r.aicc === null || Number.isFinite(r.aicc));
  for (let i = 0; i < h; i++) {
    assert.ok(r.lower[i] <= r.mean[i] + 1e-9 && r.mean[i] <= r.upper[i] + 1e-9, "mean inside interval");
  }
  for (const v of Object.values(r.parameters)) assert.ok(Number.isFinite(v));
}

test("recovers a known seasonal pattern", () => {
  const pattern = [10, 5, 0, -5, -12, -8, 2, 15, 20, 8, -15, -20];
  const rnd = noise(1);
  const values = Array.from({ length: 48 }, (_, t) => 200 + pattern[t % 12] + 1.0 * rnd());
  const r = forecast({ values, horizon: 12 });
  assertFiniteResult(r, 48, 12);
  assert.match(r.model, /^ETS\([AM],(N|A|Ad),[AM]\)$/);
  for (let i = 0; i < 12; i++) {
    const truth = 200 + pattern[(48 + i) % 12];
    assert.ok(Math.abs(r.mean[i] - truth) < 3, `h=${i + 1}: ${r.mean[i]} vs ${truth}`);
  }
});

test("recovers a multiplicative seasonal pattern with trend", () => {
  const idx = [0.8, 0.85, 0.95, 1.0, 1.05, 1.15, 1.3, 1.25, 1.05, 0.95, 0.85, 0.8];
  const rnd = noise(2);
  const values = Array.from({ length: 48 }, (_, t) => (100 + 2 * t) * idx[t % 12] * (1 + 0.005 * rnd()));
  const r = forecast({ values, horizon: 12 });
  assertFiniteResult(r, 48, 12);
  assert.notEqual(r.model.split(",")[2], "N)");
  for (let i = 0; i < 12; i++) {
    const truth = (100 + 2 * (48 + i)) * idx[(48 + i) % 12];
    assert.ok(Math.abs(r.mean[i] / truth - 1) < 0.05, `h=${i + 1}: ${r.mean[i]} vs ${truth}`);
  }
});

test("extrapolates a linear trend", () => {
  const rnd = noise(3);
  const values = Array.from({ length: 24 }, (_, t) => 50 + 3 * t + 0.2 * rnd());
  const r = forecast({ values, horizon: 6 });
  assertFiniteResult(r, 24, 6);
  assert.match(r.model, /,A(d)?,N\)$/);
  for (let i = 0; i < 6; i++) {
    const truth = 50 + 3 * (24 + i);
    assert.ok(Math.abs(r.mean[i] - truth) < 0.03 * truth, `h=${i + 1}: ${r.mean[i]} vs ${truth}`);
  }
  assert.ok(r.mean[5] > r.mean[0]);
});

test("intervals widen with the horizon", () => {
  const rnd = noise(4);
  let level = 100;
  const values = Array.from({ length: 30 }, () => (level += 5 * rnd()));
  const r = forecast({ values, horizon: 12 });
  assertFiniteResult(r, 30, 12);
  for (let i = 1; i < 12; i++) assert.ok(r.upper[i] - r.lower[i] >= r.upper[i - 1] - r.lower[i - 1] - 1e-9, `width at h=${i + 1}`);
  assert.ok(r.upper[11] - r.lower[11] > r.upper[0] - r.lower[0]);
  // a lower level gives a narrower interval
  const r80 = forecast({ values, horizon: 12, level: 80 });
  assert.equal(r80.level, 80);
  assert.ok(r80.upper[0] - r80.lower[0] < r.upper[0] - r.lower[0]);
});

test("constant series gives a constant forecast with finite intervals", () => {
  for (const n of [1, 2, 3, 5, 24, 36]) {
    const values = new Array(n).fill(1234.5);
    const r = forecast({ values, horizon: 3 });
    assertFiniteResult(r, n, 3);
    assert.deepEqual(r.mean, [1234.5, 1234.5, 1234.5]);
  }
  const z = forecast({ values: new Array(30).fill(0) });
  assert.deepEqual(z.mean, [0, 0, 0]);
});

test("short series (1, 2, 3, 5, 13 points) work", () => {
  const base = [120, 135, 128, 140, 151, 149, 160, 158, 170, 165, 180, 178, 190];
  for (const n of [1, 2, 3, 4, 5, 6, 7, 13, 23]) {
    const values = base.concat(base).slice(0, n);
    const r = forecast({ values });
    assertFiniteResult(r, n, 3);
    if (n === 1) assert.equal(r.model, "NAIVE");
    if (n === 2 || n === 3) assert.equal(r.model, "MEAN");
    if (n >= 4) assert.match(r.model, /^ETS\(/);
    if (n < 24) assert.match(r.model, /(N\)|NAIVE|MEAN)$/, "no seasonal model below two full seasons");
    // honest: intervals are not degenerate for non-constant data
    assert.ok(r.upper[0] > r.lower[0]);
  }
  // n = 1: wide interval around the only value
  const one = forecast({ values: [100] });
  assert.ok(one.upper[0] - one.lower[0] >= 100);
});

test("zeros or negatives never get multiplicative components", () => {
  const rnd = noise(5);
  const idx = [0.8, 0.85, 0.95, 1.0, 1.05, 1.15, 1.3, 1.25, 1.05, 0.95, 0.85, 0.8];
  const withZero = Array.from({ length: 36 }, (_, t) => (t === 7 ? 0 : 100 * idx[t % 12] * (1 + 0.02 * rnd())));
  const withNeg = Array.from({ length: 36 }, (_, t) => 30 * Math.sin((2 * Math.PI * t) / 12) + 5 * rnd());
  for (const values of [withZero, withNeg, [0, 0, 5, 0, 0, 7, 0, 1, 0, 0, 3, 0, 0, 0, 2, 0, 9]]) {
    const r = forecast({ values });
    assertFiniteResult(r, values.length, 3);
    assert.ok(!r.model.includes("M"), r.model);
  }
});

test("deterministic: same input gives identical output", () => {
  const idx = [0.8, 0.85, 0.95, 1.0, 1.05, 1.15, 1.3, 1.25, 1.05, 0.95, 0.85, 0.8];
  const rnd = noise(6);
  const values = Array.from({ length: 40 }, (_, t) => 500 * idx[t % 12] * (1 + 0.05 * rnd()));
  for (const v of [values, AIR36]) {
    const a = forecast({ values: v, horizon: 12 });
    const b = forecast({ values: [...v], horizon: 12 });
    assert.deepEqual(a, b);
    const c = forecast({ values: v, horizon: 12, seed: 7 });
    assert.deepEqual(c.mean, a.mean);
  }
});

test("awkward inputs never produce NaN or Infinity", () => {
  const rnd = noise(7);
  const cases: number[][] = [
    Array.from({ length: 36 }, (_, t) => 1e12 * (1 + 0.1 * rnd()) + t * 1e9),
    Array.from({ length: 36 }, () => 1e-9 * (1 + 0.3 * rnd())),
    Array.from({ length: 30 }, (_, t) => (t % 2 === 0 ? 1 : -1) * 100),
    Array.from({ length: 26 }, (_, t) => (t === 13 ? 1e6 : 100 + rnd())),
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 1000],
    [1, 1e9, 1, 1e9, 1],
    [5, 5, 5, 5, 6],
  ];
  for (const values of cases) {
    for (const frequency of [1, 4, 12]) {
      const r = forecast({ values, frequency, horizon: 24 });
      assertFiniteResult(r, values.length, 24);
    }
  }
});

test("one-step fitted intervals flag an outlier", () => {
  const rnd = noise(8);
  const values = Array.from({ length: 30 }, (_, t) => 1000 + 10 * rnd() + (t === 20 ? 400 : 0));
  const r = forecast({ values });
  const flagged = values.map((v, i) => (v < r.fittedLower[i] || v > r.fittedUpper[i] ? i : -1)).filter((i) => i >= 0);
  assert.ok(flagged.includes(20), `flagged ${flagged}`);
  assert.ok(flagged.length <= 3);
});

test("regression: pinned values for AirPassengers 1949-1951", () => {
  const r = forecast({ values: AIR36, horizon: 3 });
  const round = (a: number[]) => a.map((v) => Math.round(v * 1e6) / 1e6);
  const pinned = PINNED;
  assert.equal(r.model, pinned.model);
  assert.deepEqual(round(r.mean), pinned.mean);
  assert.deepEqual(round(r.lower), pinned.lower);
  assert.deepEqual(round(r.upper), pinned.upper);
  assert.equal(Math.round((r.aicc ?? NaN) * 1e6) / 1e6, pinned.aicc);
  assert.deepEqual(
    Object.fromEntries(Object.entries(r.parameters).map(([k, v]) => [k, Math.round(v * 1e6) / 1e6])),
    pinned.parameters,
  );
});

test("bad input throws ForecastInputError", () => {
  assert.throws(() => forecast({ values: [] }), ForecastInputError);
  assert.throws(() => forecast({ values: [1, Number.NaN, 3] }), ForecastInputError);
  assert.throws(() => forecast({ values: [1, Infinity] }), ForecastInputError);
  assert.throws(() => forecast({ values: [1, 2, 3], horizon: 0 }), ForecastInputError);
  assert.throws(() => forecast({ values: [1, 2, 3], horizon: 121 }), ForecastInputError);
  assert.throws(() => forecast({ values: [1, 2, 3], level: 100 }), ForecastInputError);
  assert.throws(() => forecast({ values: [1, 2, 3], level: 0 }), ForecastInputError);
  assert.throws(() => forecast({ values: [1, 2, 3], frequency: 0 }), ForecastInputError);
  assert.throws(() => forecast({ values: "1,2,3" as unknown as number[] }), ForecastInputError);
  const e = (() => {
    try {
      forecast({ values: [] });
    } catch (err) {
      return err;
    }
    return null;
  })();
  assert.ok(e instanceof ForecastInputError && e instanceof Error);
  assert.match((e as Error).message, /empty/);
});

test("parseForecastRequest validates with clear messages", () => {
  assert.deepEqual(parseForecastRequest({ values: [1, 2, 3] }), { values: [1, 2, 3] });
  assert.deepEqual(parseForecastRequest({ values: [1.5, 2], frequency: 4, horizon: 8, level: 80, seed: 3 }), {
    values: [1.5, 2],
    frequency: 4,
    horizon: 8,
    level: 80,
    seed: 3,
  });
  const bad: [unknown, RegExp][] = [
    [null, /JSON object/],
    [[1, 2], /JSON object/],
    [{}, /values/],
    [{ values: [] }, /at least one/],
    [{ values: [1, "2", 3] }, /values.*number/],
    [{ values: [1, Number.POSITIVE_INFINITY] }, /finite/],
    [{ values: [1, 2], horizon: 0 }, /horizon.*1 and 120/],
    [{ values: [1, 2], horizon: 121 }, /horizon.*1 and 120/],
    [{ values: [1, 2], horizon: 2.5 }, /horizon.*integer/],
    [{ values: [1, 2], level: 100 }, /level/],
    [{ values: [1, 2], level: 0 }, /level/],
    [{ values: [1, 2], frequency: 0 }, /frequency/],
    [{ values: [1, 2], frequency: "12" }, /frequency/],
  ];
  for (const [input, re] of bad) {
    assert.throws(
      () => parseForecastRequest(input),
      (err: unknown) => err instanceof ForecastInputError && re.test(err.message),
      `input ${JSON.stringify(input)}`,
    );
  }
  // a parsed request goes straight into forecast()
  const r = forecast(parseForecastRequest(JSON.parse('{"values": [10, 12, 11, 13, 12, 14], "horizon": 2}')));
  assert.equal(r.mean.length, 2);
});

const PINNED = {
  model: "ETS(M,N,A)",
  mean: [
    164.19002,
    170.511656,
    186.958246
  ],
  lower: [
    150.693269,
    152.920266,
    165.251731
  ],
  upper: [
    177.686771,
    188.103047,
    208.664762
  ],
  aicc: 266.780786,
  parameters: {
    alpha: 0.786907,
    gamma: 0.000047
  }
};
