// `tarl train` through the real CLI: config validation errors name the key; a toy run writes
// metrics and checkpoints, and `--resume` continues it to the same metrics as an uninterrupted run.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.ts';
import { tinyToyModel } from './trainer-helpers.ts';

let modelDir: string;
let work: string;
beforeAll(async () => {
  ({ dir: modelDir } = await tinyToyModel(7));
  work = mkdtempSync(join(tmpdir(), 'tarl-train-cli-'));
}, 30_000);

const toyJson = (out: string, steps: number) => ({
  algorithm: 'grpo', seed: 11, steps, lr: 0.03, reward: { mode: 'terminal', terminal: 1 },
  lora: { r: 4, alpha: 8, targets: ['q_proj', 'v_proj', 'o_proj', 'down_proj'] },
  math: { ratio: 0 }, sampling: { temperature: 1, topP: 1, maxNewTokens: 2 },
  eval: { every: 2, split: 'dev', k: 2, temperature: 1, maxTasks: 2 },
  checkpoint: { every: 2, dir: out, keep: 3 },
});

function stepLines(file: string): unknown[] {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((e) => e.type === 'step' || e.type === 'eval')
    .map(({ time: _t, timeMs: _m, tokensPerSecond: _p, ...rest }) => rest);
}

describe('tarl train (CLI)', () => {
  it('rejects an unknown config key, naming it', () => {
    const f = join(work, 'bad.json');
    writeFileSync(f, JSON.stringify({ reward: { mode: 'terminal', bogus: 1 } }));
    const r = runCli(['train', '--config', f, '--model', modelDir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/reward\.bogus: unknown key/);
    expect(r.stdout).toBe('');
  });

  it('rejects a bad --set override and a bad value, naming the key', () => {
    const f = join(work, 'ok.json');
    writeFileSync(f, JSON.stringify({}));
    const a = runCli(['train', '--config', f, '--model', modelDir, '--set', 'reward.nope=1']);
    expect(a.status).toBe(1);
    expect(a.stderr).toMatch(/reward\.nope: unknown key/);
    const b = runCli(['train', '--config', f, '--model', modelDir, '--set', 'groupSize=1']);
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/groupSize/);
    const c = runCli(['train', '--config', f, '--set', 'algorithm=ppo', '--set', 'ppo.level=episode', '--model', modelDir, '--task', 'toy']);
    expect(c.status).toBe(1);
    expect(c.stderr).toMatch(/ppo\.level: must be one of "token", "turn"/);
  });

  it('trains the toy task, then --resume continues exactly', () => {
    const outA = join(work, 'a');
    const fa = join(work, 'a.json');
    writeFileSync(fa, JSON.stringify(toyJson(outA, 4)));
    const a = runCli(['train', '--config', fa, '--model', modelDir, '--task', 'toy', '--no-progress']);
    expect(a.status, a.stderr).toBe(0);
    const summary = JSON.parse(a.stdout.trim());
    expect(summary).toMatchObject({ status: 'finished', nextStep: 4, steps: 4 });

    // Interrupted run: 2 steps, then resume to 4 with --set steps=4.
    const outB = join(work, 'b');
    const fb = join(work, 'b.json');
    writeFileSync(fb, JSON.stringify(toyJson(outB, 2)));
    expect(runCli(['train', '--config', fb, '--model', modelDir, '--task', 'toy', '--no-progress']).status).toBe(0);
    const r = runCli(['train', '--resume', outB, '--set', 'steps=4', '--task', 'toy', '--no-progress']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ status: 'finished', nextStep: 4 });
    expect(stepLines(join(outB, 'metrics.jsonl'))).toEqual(stepLines(join(outA, 'metrics.jsonl')));
  }, 120_000);

  it('ablate trains each variant per seed and prints a side-by-side table and a JSON line', () => {
    const f = join(work, 'abl.json');
    writeFileSync(f, JSON.stringify(toyJson(join(work, 'unused'), 3)));
    const r = runCli(['ablate', '--config', f, '--model', modelDir, '--task', 'toy', '--vary', 'algorithm=grpo,rloo', '--seeds', '2', '--out', join(work, 'abl'), '--set', 'eval.every=0']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out.variants).toEqual(['algorithm=grpo', 'algorithm=rloo']);
    expect(out.runs).toHaveLength(4);
    expect(out.runs.map((x: { seed: number }) => x.seed)).toEqual([11, 12, 11, 12]);
    for (const run of out.runs) {
      expect(run.curve).toHaveLength(3);
      expect(run.pass1).toEqual(expect.any(Number)); // a final evaluation when none ran during training
    }
    expect(r.stderr).toMatch(/variant\s+success.*pass\^1/);
    expect(r.stderr).toMatch(/algorithm=rloo/);
    const bad = runCli(['ablate', '--config', f, '--model', modelDir, '--task', 'toy', '--vary', 'reward.mod=terminal']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/reward\.mod: unknown key/);
  }, 120_000);

  it('eval prints pass^1 / pass^k as one JSON line for a model and an adapter', () => {
    const adapter = join(work, 'a', 'checkpoints', 'step-000004', 'adapter');
    const r = runCli(['eval', '--model', modelDir, '--adapter', adapter, '--task', 'toy', '--trials', '4', '--k', '2', '--max-new-tokens', '2', '--temperature', '1']);
    expect(r.status, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout.trim());
    expect(e).toMatchObject({ split: 'dev', tasks: 4, trials: 4, k: 2, adapter });
    expect(e.passCurve).toHaveLength(2);
    expect(e.passK).toBeLessThanOrEqual(e.pass1);
    expect(r.stderr).toMatch(/pass\^k/);
    const base = JSON.parse(runCli(['eval', '--model', modelDir, '--task', 'toy', '--trials', '4', '--k', '2', '--max-new-tokens', '2', '--temperature', '1']).stdout.trim());
    expect(e.pass1).toBeGreaterThan(base.pass1); // the trained adapter calls the tool more often
    expect(runCli(['eval', '--model', modelDir, '--task', 'toy', '--trials', '2', '--k', '3']).stderr).toMatch(/--k \(3\) must be <= --trials \(2\)/);
  }, 120_000);
});
