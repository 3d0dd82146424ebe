// `npm run bench -- NAME [args...]`: runs test/bench/NAME.ts, prints its rows as a table and its
// summary as one final JSON line (the line tools and the issue notes read).
import { readdirSync } from 'node:fs';
import type { BenchMain, BenchResult } from './types.ts';

const here = new URL('.', import.meta.url);
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'types.ts', 'table.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

export function formatTable(rows: Record<string, string | number>[]): string {
  if (!rows.length) return '(no rows)';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v ?? ''));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => '| ' + vals.map((v, i) => v.padStart(widths[i]!)).join(' | ') + ' |';
  return [line(cols), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(`usage: npm run bench -- NAME [args]\nbenchmarks: ${available.join(', ')}\n`);
    return;
  }
  if (!available.includes(name)) throw new Error(`unknown benchmark "${name}"; available: ${available.join(', ')}`);
  const mod = (await import(new URL(`./${name}.ts`, here).href)) as { default: BenchMain };
  const result: BenchResult = await mod.default(args);
  process.stdout.write(`\n${result.name}\n${formatTable(result.rows)}\n`);
  process.stdout.write(JSON.stringify({ bench: result.name, rows: result.rows, ...result.summary }) + '\n');
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
