// The `replay` CLI contract: one JSON object per task per line on stdout, nothing else, with the
// exact tool outputs, final_db_sha256 of the canonical JSON of the final DB, and the reward.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, type RetailData } from '../../../src/sandbox/retail/index.ts';
import type { PyValue } from '../../../src/sandbox/retail/pyjson.ts';
import { runCli } from '../../helpers/cli.ts';
import { entries, loadReplay, retailData, type ReplayTask } from './fixtures.ts';

let data: RetailData;
beforeAll(async () => {
  data = await retailData();
});

/** SHA-256 of the canonical JSON of the reference DB: initial DB + the task's final_db_diff. */
function referenceSha(task: ReplayTask): string {
  const table = (name: 'orders' | 'products' | 'users') => {
    const m = new Map<string, PyValue>(data.tables[name] as ReadonlyMap<string, PyValue>);
    const diff = task.final_db_diff[name];
    if (diff) for (const [id, rec] of entries(diff.changed_final_values)) m.set(id, rec);
    return m;
  };
  const text = canonicalJson({ orders: table('orders'), products: table('products'), users: table('users') });
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

describe('tarl replay --tasks', () => {
  it('prints one JSON line per task with the reference outputs, DB hash and reward', () => {
    const dev = loadReplay('dev').tasks.slice(0, 4);
    const tasks = dev.map((t, i) => ({
      user_id: t.user_id,
      actions: t.calls.map((c) => ({ name: c.name, kwargs: c.kwargs })),
      outputs: i === 3 ? ['a required output'] : [],
      ...(i === 1 ? {} : { task_index: 100 + i }), // task 1: index from its position
    }));
    tasks.push({ user_id: 'x', actions: [{ name: 'no_such_tool', kwargs: {} }, { name: 'calculate', kwargs: { expression: '0.125*1' } }], outputs: [], task_index: 7 });
    const dir = mkdtempSync(join(tmpdir(), 'tarl-replay-'));
    const file = join(dir, 'tasks.json');
    writeFileSync(file, JSON.stringify(tasks));

    const r = runCli(['replay', '--tasks', file]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(tasks.length);
    const rows = lines.map((l) => JSON.parse(l));
    for (const row of rows) expect(Object.keys(row)).toEqual(['task_index', 'calls', 'final_db_sha256', 'reward']);
    expect(rows.map((x) => x.task_index)).toEqual([100, 1, 102, 103, 7]);
    for (const [i, t] of dev.entries()) {
      expect(rows[i].calls).toEqual(t.calls.map((c) => ({ name: c.name, kwargs: c.kwargs, output: c.output })));
      expect(rows[i].final_db_sha256).toBe(referenceSha(t));
    }
    expect(rows.slice(0, 3).map((x) => x.reward)).toEqual([1, 1, 1]);
    expect(rows[3].reward).toBe(0); // τ-bench: a required output no reply contains
    expect(rows[4].calls.map((c: { output: string }) => c.output)).toEqual(['Unknown action no_such_tool', '0.12']);
    const initial = createHash('sha256').update(canonicalJson({ orders: new Map(data.tables.orders), products: new Map(data.tables.products), users: new Map(data.tables.users) })).digest('hex');
    expect(rows[4].final_db_sha256).toBe(initial);

    const noOutputs = runCli(['replay', '--tasks', file, '--no-check-outputs']);
    expect(JSON.parse(noOutputs.stdout.trimEnd().split('\n')[3]!).reward).toBe(1);
  });

  it('fails with a message on stderr and nothing on stdout for a bad tasks file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tarl-replay-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"not": "an array"}');
    for (const [args, msg] of [
      [['replay', '--tasks', join(dir, 'missing.json')], /cannot read .*missing\.json/],
      [['replay', '--tasks', bad], /expected a JSON array of tasks/],
    ] as const) {
      const r = runCli([...args]);
      expect(r.status).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(msg);
    }
  });
});
