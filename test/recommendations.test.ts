// recommendations (ANALYSES.md #9) and recommendations_detail on hand-made data: every key with its
// exact Russian text, zero values never named, the complete-year rule, omitted keys, the detail
// structure (peer medians, rubles in excess, severity) and rule-based items from fleet.anomalies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDatabase } from "./helpers/db.js";
import { recommendations, recommendationsDetail, buildRecommendations, buildRecommendationsDetail, anomalyItems, driverScores, type RecommendationFacts } from "../src/recommend/index.js";
import { ceilRub, round3Scaled } from "../src/recommend/findings.js";
import { rublesWord } from "../src/recommend/rules.js";
import { analyzeClient } from "../src/analyze/run.js";
import type { Tx } from "../src/analyze/tsAnalyses.js";

const db = await freshDatabase();
await db.sql`
  insert into fleet.clients (client_id, industry, year_budget) values
    ('r1', 'logistics', 76000), ('r2', 'taxi', null), ('r3', 'construction', 1000)`;

// r1: 8 vehicles, 7 drivers; 2023 is complete (has December), 2024 only has February.
//  vehicle   driver    km    fuel  maint  fines  other                     (date)
const R1: [string, string, string, number, number, number, number, number, number][] = [
  ["А101АА77", "Иванов", "2023-01-10", 500, 5000, 1000, 0, 0, 0],
  ["А101АА77", "Иванов", "2023-06-10", 0, 0, 0, 0, 3000, 0], // downtime: repair on a day without km
  ["А101АА77", "Иванов", "2023-12-20", 100, 2000, 0, 0, 0, 45.37],
  ["В202ВВ77", "Петров", "2023-02-05", 1000, 8000, 2000, 1500, 0, 0],
  ["В202ВВ77", "Петров", "2023-12-05", 0, 0, 0, 500, 0, 0], // downtime: a fine on a day without km
  ["Е303ЕЕ77", "Сидоров", "2023-03-01", 0, 4000, 0, 0, 0, 0], // fuel without any km
  ["К404КК77", "Смирнов", "2023-04-01", 2000, 10000, 3000, 0, 0, 0],
  ["К404КК77", "Смирнов", "2024-02-10", 1000, 6000, 1500, 0, 0, 0],
  ["М505ММ77", "Кузнецов", "2023-05-01", 1500, 9000, 500, 300, 0, 0],
  ["Н606НН77", "Попов", "2023-07-01", 800, 0, 4000, 0, 0, 0], // km without fuel
  ["О707ОО77", "Волков", "2023-08-01", 0, 0, 0, 0, 0, 20000], // no km, no fuel: salary-like cost only
  ["Р808РР77", "Иванов", "2023-09-01", 300, 3000, 200, 0, 0, 0],
];
for (const [gov, driver, date, km, fuel, maintenance, fines, repair, other] of R1)
  await db.sql`
    insert into fleet.expenses (client_id, gov_number, driver, date, daily_distance, fuel, maintenance, fines, repair, other_cost)
    values ('r1', ${gov}, ${driver}, ${date}, ${km}, ${fuel}, ${maintenance}, ${fines}, ${repair}, ${other})`;
// r2: one vehicle, one driver, no December at all, nothing wrong but its fuel.
await db.sql`
  insert into fleet.expenses (client_id, gov_number, driver, date, daily_distance, fuel, calculated_salary) values
    ('r2', 'Т100ТТ99', 'Орлов', '2024-03-01', 120, 1500.5, 3000),
    ('r2', 'Т100ТТ99', 'Орлов', '2024-04-01', 80, 999.5, 3000),
    ('r2', 'Т100ТТ99', 'Орлов', '2025-01-05', 10, 100, 0)`;

const AS_OF = "2024-06-30";
const run = <T>(fn: typeof recommendations, clientId: string, asOf = AS_OF): Promise<T> =>
  db.sql.begin((tx) => fn({ tx: tx as unknown as Tx, clientId, asOf })) as Promise<T>;

const R1_TEXTS = {
  // 2023: 77045.37 → ceil 77046; · 1.07 = 82438.55 → 82400
  yearly_spending: "По итогам 2023 года общие расходы составили 77046 рублей, рекомендуем закладывать на 2024 год примерно 82400 рублей.",
  // scores: Сидоров 0, Петров 0.3333, Кузнецов 1.3675, Иванов 480000, Попов/Смирнов 1e6 (tie → name); Волков has no km and no fuel
  inefficient_drivers: "Рекомендуем обратить внимание на низкую эффективность работы водителей: Сидоров, Петров, Кузнецов, Иванов, Попов.",
  // zero-km cost: О707 20000, Е303 4000, А101 3000, В202 500; the other four vehicles have none
  downtime: "Автомобили с высоким простоем и расходами: О707ОО77, Е303ЕЕ77, А101АА77, В202ВВ77. Рекомендуем технический аудит.",
  // fuel without km first, then rub/km: А101 11.67, Р808 10, В202 8, М505 6 (К404 5.33 cut; Н606 has no fuel)
  fuel_efficiency: "Автомобили с низкой топливной эффективностью: Е303ЕЕ77, А101АА77, Р808РР77, В202ВВ77, М505ММ77. Рекомендуем диагностировать двигатель и топливную систему.",
  // К404 4500, Н606 4000, В202 2000, А101 1000, М505 500 (Р808 200 cut; Е303, О707 zero)
  high_maintenance: "Автомобили с высокими расходами на обслуживание: К404КК77, Н606НН77, В202ВВ77, А101АА77, М505ММ77. Рекомендуем пересмотреть условия сервисных договоров.",
  // only two drivers have fines
  high_fines: "Водители с избыточными штрафами: Петров, Кузнецов. Рекомендуем провести дополнительное обучение по ПДД.",
};

test("recommendations: every key, exact texts, in contract order", async () => {
  const r = await run<Record<string, string>>(recommendations, "r1");
  assert.equal(JSON.stringify(r), JSON.stringify(R1_TEXTS));
});

test("the budget year is the latest complete year (2024 has no December: 2023 is used)", async () => {
  const r = await run<Record<string, string>>(recommendations, "r1", "2024-06-30");
  assert.match(r.yearly_spending, /^По итогам 2023 года/);
  // before 2023's December existed, no year was complete: the latest year (2023) with its partial total
  const early = await run<Record<string, string>>(recommendations, "r1", "2023-11-30");
  assert.equal(early.yearly_spending, "По итогам 2023 года общие расходы составили 74500 рублей, рекомендуем закладывать на 2024 год примерно 79700 рублей.");
});

test("keys with nothing to say are omitted; no complete year → the latest year", async () => {
  const r = await run<Record<string, string>>(recommendations, "r2", "2025-06-30");
  assert.equal(
    JSON.stringify(r),
    JSON.stringify({
      yearly_spending: "По итогам 2025 года общие расходы составили 100 рублей, рекомендуем закладывать на 2026 год примерно 107 рублей.",
      fuel_efficiency: "Автомобили с низкой топливной эффективностью: Т100ТТ99. Рекомендуем диагностировать двигатель и топливную систему.",
    }),
  );
});

test("a client without expenses gets {} (both analyses)", async () => {
  assert.deepEqual(await run(recommendations, "r3"), {});
  assert.deepEqual(await run(recommendationsDetail, "r3"), {});
});

test("zero values are never named", () => {
  const facts: RecommendationFacts = {
    year: "2024", year_complete: true, year_total: 1000, year_budget: null, total: 1000,
    vehicles: [
      { id: "A", km: 100, fuel: 0, maintenance: 0, downtime_cost: 0, total: 500 },
      { id: "B", km: 0, fuel: 0, maintenance: 0, downtime_cost: 0, total: 500 },
    ],
    drivers: [
      { id: "X", km: 100, fuel: 0, fines: 0, fine_days: 0 },
      { id: "Y", km: 0, fuel: 0, fines: 0, fine_days: 0 },
    ],
  };
  assert.deepEqual(Object.keys(buildRecommendations(facts)), ["yearly_spending"]);
});

test("inefficient drivers: min-max normalised composite score; drivers without km and fuel left out", () => {
  const scores = driverScores([
    { id: "Б", km: 1000, fuel: 100, fines: 0, fine_days: 0 }, // fe 10 → 1
    { id: "А", km: 500, fuel: 100, fines: 100, fine_days: 1 }, // fe 5 → 0.5; fs 1, fc 1
    { id: "В", km: 0, fuel: 100, fines: 50, fine_days: 1 }, // fe 0 → 0
    { id: "Г", km: 0, fuel: 0, fines: 100, fine_days: 3 }, // left out
  ]);
  assert.deepEqual(scores.map((s) => s.id), ["В", "А", "Б"]);
  assert.equal(scores[1].score, 0.5 / (1 + 1 + 1e-6));
  assert.equal(scores[2].score, 1 / 1e-6);
});

test("ceil and 3 significant digits, exact", () => {
  assert.equal(ceilRub(77045.37), "77046");
  assert.equal(ceilRub(100), "100");
  assert.equal(round3Scaled(77045.37, 107n, 100n), "82400");
  assert.equal(round3Scaled(12345678.9, 107n, 100n), "13200000");
  assert.equal(round3Scaled(1168224.3, 107n, 100n), "1250000"); // 1249999.999 → 1250000
  assert.equal(round3Scaled(10, 107n, 100n), "10.7");
});

// ---- recommendations_detail -------------------------------------------------------------------

const R1_DETAIL = [
  {
    code: "yearly_spending", severity: "medium", text: R1_TEXTS.yearly_spending, // 1045.37 over the 76000 plan = 1.4% of the year
    subjects: [{ id: "2023", value: 77045.37, peer_median: null, excess_rub: null }],
  },
  {
    code: "inefficient_drivers", severity: "low", text: R1_TEXTS.inefficient_drivers,
    // median of the 6 scores: (1.3675 + 480000) / 2
    subjects: [
      { id: "Сидоров", value: 0, peer_median: 240000.6838, excess_rub: null },
      { id: "Петров", value: 0.3333, peer_median: 240000.6838, excess_rub: null },
      { id: "Кузнецов", value: 1.3675, peer_median: 240000.6838, excess_rub: null },
      { id: "Иванов", value: 480000, peer_median: 240000.6838, excess_rub: null },
      { id: "Попов", value: 1000000, peer_median: 240000.6838, excess_rub: null },
    ],
  },
  {
    code: "downtime", severity: "high", text: R1_TEXTS.downtime, // median over 8 vehicles (0,0,0,0,500,3000,4000,20000) = 250
    subjects: [
      { id: "О707ОО77", value: 20000, peer_median: 250, excess_rub: 19750 },
      { id: "Е303ЕЕ77", value: 4000, peer_median: 250, excess_rub: 3750 },
      { id: "А101АА77", value: 3000, peer_median: 250, excess_rub: 2750 },
      { id: "В202ВВ77", value: 500, peer_median: 250, excess_rub: 250 },
    ],
  },
  {
    code: "fuel_efficiency", severity: "high", text: R1_TEXTS.fuel_efficiency, // median rub/km of vehicles with km (0, 5.33, 6, 8, 10, 11.67) = 7
    subjects: [
      { id: "Е303ЕЕ77", value: null, peer_median: 7, excess_rub: 4000 },
      { id: "А101АА77", value: 11.67, peer_median: 7, excess_rub: 2800 },
      { id: "Р808РР77", value: 10, peer_median: 7, excess_rub: 900 },
      { id: "В202ВВ77", value: 8, peer_median: 7, excess_rub: 1000 },
      { id: "М505ММ77", value: 6, peer_median: 7, excess_rub: -1500 },
    ],
  },
  {
    code: "high_maintenance", severity: "high", text: R1_TEXTS.high_maintenance, // median (0,0,200,500,1000,2000,4000,4500) = 750
    subjects: [
      { id: "К404КК77", value: 4500, peer_median: 750, excess_rub: 3750 },
      { id: "Н606НН77", value: 4000, peer_median: 750, excess_rub: 3250 },
      { id: "В202ВВ77", value: 2000, peer_median: 750, excess_rub: 1250 },
      { id: "А101АА77", value: 1000, peer_median: 750, excess_rub: 250 },
      { id: "М505ММ77", value: 500, peer_median: 750, excess_rub: -250 },
    ],
  },
  {
    code: "high_fines", severity: "high", text: R1_TEXTS.high_fines, // 2300 of 84545.37 = 2.7%
    subjects: [
      { id: "Петров", value: 2000, peer_median: 0, excess_rub: 2000 },
      { id: "Кузнецов", value: 300, peer_median: 0, excess_rub: 300 },
    ],
  },
];

test("recommendations_detail: the six items with subjects, peer medians, rubles in excess, severity", async () => {
  const r = await run<unknown[]>(recommendationsDetail, "r1");
  assert.equal(JSON.stringify(r), JSON.stringify(R1_DETAIL));
});

test("recommendations_detail: rule-based items from fleet.anomalies follow, ranked by rubles at stake", async () => {
  await db.sql`
    insert into fleet.anomalies (client_id, rule, subject_kind, subject, period_start, period_end, observed, expected, severity, rub_at_stake) values
      ('r1', 'fuel_norm_check', 'vehicle', 'А101АА77', '2023-01-01', '2023-01-31', 120, 100, 'medium', 700),
      ('r1', 'fuel_norm_check', 'vehicle', 'А101АА77', '2023-12-01', '2023-12-31', 30, 25, 'low', 300),
      ('r1', 'fuel_norm_check', 'vehicle', 'М505ММ77', '2023-05-01', '2023-05-31', 200, 150, 'medium', 500.5),
      ('r1', 'idle_fuel', 'vehicle', 'Е303ЕЕ77', '2023-03-01', '2023-03-31', 4000, 0, 'high', 4000),
      ('r1', 'price_per_liter', 'vehicle', 'К404КК77', '2024-02-01', '2024-02-29', 70, 60, 'low', 30),
      ('r1', 'idle_fuel', 'vehicle', 'К404КК77', '2024-09-01', '2024-09-30', 100, 0, 'low', 100)`; // after as_of: ignored
  const r = (await run<{ code: string }[]>(recommendationsDetail, "r1")) as unknown[];
  assert.equal(JSON.stringify(r.slice(0, 6)), JSON.stringify(R1_DETAIL));
  assert.equal(
    JSON.stringify(r.slice(6)),
    JSON.stringify([
      {
        code: "idle_fuel", severity: "high",
        text: "Заправки топливом в дни без пробега: Е303ЕЕ77 — 4000 руб.; всего под угрозой 4000 рублей. Рекомендуем проверить использование топливных карт: это типичная схема хищения топлива.",
        subjects: [{ id: "Е303ЕЕ77", value: 4000, peer_median: 0, excess_rub: 4000 }],
      },
      {
        code: "fuel_norm_check", severity: "medium",
        text: "Перерасход топлива сверх нормы расхода (с учётом зимней и возрастной надбавок): А101АА77 — 1000 руб. (2 случ.), М505ММ77 — 501 руб.; всего под угрозой 1501 рубль. Рекомендуем сверить топливные карты с путевыми листами и проверить техническое состояние автомобилей.",
        subjects: [
          { id: "А101АА77", value: 120, peer_median: 100, excess_rub: 1000 },
          { id: "М505ММ77", value: 200, peer_median: 150, excess_rub: 500.5 },
        ],
      },
      {
        code: "price_per_liter", severity: "low",
        text: "Цена литра топлива заметно выше, чем у других машин того же типа в том же месяце: К404КК77 — 30 руб.; всего под угрозой 30 рублей. Рекомендуем проверить чеки, АЗС и марку заправляемого топлива.",
        subjects: [{ id: "К404КК77", value: 70, peer_median: 60, excess_rub: 30 }],
      },
    ]),
  );
});

test("anomalyItems: unknown rules get a generic text; more than 5 subjects are counted", () => {
  const rows = Array.from({ length: 7 }, (_, i) => ({
    rule: "new_rule", subject_kind: "driver", subject: `Водитель ${i + 1}`, period_start: "2024-01-01", period_end: "2024-01-31",
    observed: null, expected: null, severity: "low", rub_at_stake: 100 * (i + 1),
  }));
  const [item] = anomalyItems(rows);
  assert.equal(item.code, "new_rule");
  assert.equal(item.severity, "low");
  assert.equal(item.text, "Находки правила new_rule: Водитель 7 — 700 руб., Водитель 6 — 600 руб., Водитель 5 — 500 руб., Водитель 4 — 400 руб., Водитель 3 — 300 руб. и ещё 2; всего под угрозой 2800 рублей. Рекомендуем проверить эти случаи.");
  assert.equal(item.subjects.length, 5);
  assert.deepEqual(item.subjects[0], { id: "Водитель 7", value: null, peer_median: null, excess_rub: 700 });
  assert.deepEqual([1, 2, 5, 11, 21, 22, 112, 1501].map(rublesWord), ["рубль", "рубля", "рублей", "рублей", "рубль", "рубля", "рублей", "рубль"]);
});

test("detail without anomalies equals the findings; nothing to say → []", () => {
  const facts: RecommendationFacts = { year: "2024", year_complete: false, year_total: 0, year_budget: null, total: 0, vehicles: [], drivers: [] };
  assert.deepEqual(buildRecommendationsDetail(facts), []);
});

test("analyze writes recommendations and recommendations_detail into fleet.fraud_json", async () => {
  await analyzeClient(db.sql, "r1", { asOf: AS_OF });
  const rows = await db.sql<{ analysis_type: string; j: string }[]>`
    select analysis_type, result_json::text as j from fleet.fraud_json
    where client_id = 'r1' and analysis_type in ('recommendations', 'recommendations_detail') order by 1`;
  assert.deepEqual(rows.map((r) => r.analysis_type), ["recommendations", "recommendations_detail"]);
  assert.equal(rows[0].j, JSON.stringify(R1_TEXTS));
  assert.equal(rows[1].j, JSON.stringify(await run(recommendationsDetail, "r1")));
});
