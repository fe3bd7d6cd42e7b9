// Stand-alone entry: node --import tsx src/generate/cli.ts --out DIR [--vehicles N] [--days D]
//   [--industry X] [--seed S] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--no-anomalies]
import { parseArgs } from 'node:util';
import { generate } from './index.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    vehicles: { type: 'string', default: '50' },
    days: { type: 'string', default: '365' },
    industry: { type: 'string', default: 'logistics' },
    seed: { type: 'string', default: '42' },
    start: { type: 'string' },
    end: { type: 'string' },
    'no-anomalies': { type: 'boolean', default: false },
  },
});
if (!values.out) {
  console.error('usage: cli.ts --out DIR [--vehicles N --days D --industry X --seed S --start ISO --end ISO --no-anomalies]');
  process.exit(2);
}
const t0 = performance.now();
const res = await generate(values.out, {
  vehicles: Number(values.vehicles),
  days: Number(values.days),
  industry: values.industry!,
  seed: Number(values.seed),
  startDate: values.start,
  endDate: values.end,
  anomalies: !values['no-anomalies'],
});
console.log(JSON.stringify({ ...res, seconds: Math.round(performance.now() - t0) / 1000 }));
