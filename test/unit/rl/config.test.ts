import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  applyOverrides,
  ConfigError,
  configKeyPaths,
  DEFAULT_CONFIG,
  describeKey,
  effectiveAggregation,
  parseConfigText,
  resolveConfig,
  rewardConfigFor,
  validateConfig,
} from '../../../src/rl/config.ts';
import { rewardConfig } from '../../../src/reward/config.ts';

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('training config', () => {
  it('defaults are valid and follow TARL', () => {
    const c = resolveConfig({});
    expect(c).toEqual(DEFAULT_CONFIG);
    expect(c.algorithm).toBe('grpo');
    expect(c.groupSize).toBe(8);
    expect(c.reward).toMatchObject({ terminal: 10, deviation: 5, turnWeight: 'inverse-T', mode: 'trajectory' });
    expect(effectiveAggregation(c)).toBe('sequence-mean');
    expect(effectiveAggregation({ ...c, algorithm: 'drgrpo' })).toBe('constant');
  });

  it('hands the reward section to the reward module unchanged', () => {
    const c = applyOverrides(DEFAULT_CONFIG, ['algorithm=drgrpo', 'reward.mode=turn', 'reward.turnWeight=0.5']);
    expect(rewardConfig(rewardConfigFor(c))).toEqual({ ...c.reward, advantage: 'drgrpo' });
    expect(rewardConfigFor(DEFAULT_CONFIG).advantage).toBe('grpo');
  });

  it('merges a partial file over the defaults (sections key by key, schedules whole)', () => {
    const c = parseConfigText(JSON.stringify({ reward: { mode: 'terminal' }, math: { ratio: { points: [[0, 0.3], [100, 0.1]] } } }));
    expect(c.reward).toEqual({ ...DEFAULT_CONFIG.reward, mode: 'terminal' });
    expect(c.math).toEqual({ ...DEFAULT_CONFIG.math, ratio: { points: [[0, 0.3], [100, 0.1]] } });
    expect(DEFAULT_CONFIG.reward.mode).toBe('trajectory'); // defaults untouched
  });

  it('rejects unknown keys, naming their path', () => {
    expect(problems(() => resolveConfig({ rewards: {} }))).toEqual([expect.stringMatching(/^rewards: unknown key \(known at the top level: algorithm, /)]);
    expect(problems(() => resolveConfig({ reward: { terminl: 3 } }))).toEqual([expect.stringMatching(/^reward\.terminl: unknown key \(known under 'reward': mode, terminal, /)]);
    expect(problems(() => resolveConfig({ math: { ratio: { points: [[0, 1]], shape: 'x' } } }))).toEqual([expect.stringMatching(/^math\.ratio\.shape: unknown key/)]);
  });

  it('a complete config is required where no defaults are merged in', () => {
    const { kl: _kl, ...noKl } = structuredClone(DEFAULT_CONFIG);
    expect(problems(() => validateConfig(noKl))).toEqual(['kl: missing']);
    const partialReward = { ...structuredClone(DEFAULT_CONFIG), reward: { mode: 'terminal' } };
    expect(problems(() => validateConfig(partialReward))).toEqual(expect.arrayContaining(['reward.terminal: missing', 'reward.deviation: missing']));
  });

  it('reports types and ranges with the key named, all problems at once', () => {
    const p = problems(() =>
      resolveConfig({
        algorithm: 'a2c',
        groupSize: 1,
        lr: -1,
        steps: 1.5,
        kl: { estimator: 'k2' },
        clip: { low: 1 },
        reward: { turnWeight: 'abc' },
        optimizer: { gradClip: 'x' },
        lora: { targets: ['q_prj'] },
        speechShare: { points: [[0, 0], [30, 1.5]] },
        math: { difficulties: [1, 1] },
      }),
    );
    expect(p).toEqual(
      expect.arrayContaining([
        'algorithm: must be one of "grpo", "drgrpo", "rloo", "ppo", got "a2c"',
        'groupSize: must be >= 2, got 1',
        'lr: must be > 0, got -1',
        'steps: must be integer, got 1.5',
        'kl.estimator: must be one of "k1", "k3", got "k2"',
        'clip.low: must be < 1, got 1',
        `reward.turnWeight: must be 'inverse-T' or a number >= 0, got "abc"`,
        'optimizer.gradClip: must be a number > 0 or null, got "x"',
        expect.stringMatching(/^lora\.targets\[0\]: must be one of "q_proj", .*got "q_prj"$/),
        'speechShare.points[1]: value 1.5 is above the maximum 1',
        expect.stringMatching(/^math\.difficulties: must NOT have duplicate items/),
      ]),
    );
    expect(p).toHaveLength(11);
    expect(problems(() => parseConfigText('{"lr": 1e-5,}', 'my.json'))).toEqual([expect.stringMatching(/^my\.json: not valid JSON/)]);
    expect(problems(() => resolveConfig([]))).toEqual([expect.stringMatching(/must be a JSON object/)]);
  });

  it('applies CLI overrides with typed parsing', () => {
    const c = applyOverrides(DEFAULT_CONFIG, [
      'reward.mode=terminal',
      'lr=1e-5',
      'groupSize=4',
      'lora.targets=q_proj, v_proj',
      'lora.useRslora=true',
      'lora.layers=0,2',
      'math.difficulties=1,2',
      'math.ratio={"points":[[0,0],[30,0.2]]}',
      'sampling.temperature=0.8',
      'optimizer.gradClip=null',
      'reward.turnWeight=0.25',
      'model.dir=/models/qwen 0.5b',
      'data.split=123',
    ]);
    expect(c.reward.mode).toBe('terminal');
    expect(c.lr).toBe(1e-5);
    expect(c.groupSize).toBe(4);
    expect(c.lora.targets).toEqual(['q_proj', 'v_proj']);
    expect(c.lora.useRslora).toBe(true);
    expect(c.lora.layers).toEqual([0, 2]);
    expect(c.math.difficulties).toEqual([1, 2]);
    expect(c.math.ratio).toEqual({ points: [[0, 0], [30, 0.2]] });
    expect(c.sampling.temperature).toBe(0.8);
    expect(c.optimizer.gradClip).toBeNull();
    expect(c.reward.turnWeight).toBe(0.25);
    expect(c.model.dir).toBe('/models/qwen 0.5b');
    expect(c.data.split).toBe('123'); // a string key keeps digits as text
    expect(DEFAULT_CONFIG.lr).toBe(2e-5); // the input is not mutated
    expect(applyOverrides(c, ['reward.turnWeight=inverse-T']).reward.turnWeight).toBe('inverse-T');
  });

  it('override errors name the key', () => {
    expect(problems(() => applyOverrides(DEFAULT_CONFIG, ['reward.foo=1']))).toEqual([expect.stringMatching(/^reward\.foo: unknown key \(known under 'reward'/)]);
    expect(problems(() => applyOverrides(DEFAULT_CONFIG, ['lrr=1']))).toEqual([expect.stringMatching(/^lrr: unknown key \(known at the top level/)]);
    expect(problems(() => applyOverrides(DEFAULT_CONFIG, ['lr.x=1']))).toEqual(["lr.x: unknown key ('lr' has no sub-keys)"]);
    expect(problems(() => applyOverrides(DEFAULT_CONFIG, ['lr=abc']))).toEqual(['lr: must be number, got "abc"']);
    expect(problems(() => applyOverrides(DEFAULT_CONFIG, ['reward=1']))).toEqual([expect.stringMatching(/^reward: is a section/)]);
    expect(problems(() => applyOverrides(DEFAULT_CONFIG, ['steps']))).toEqual(['override "steps": expected key=value']);
    expect(problems(() => applyOverrides(DEFAULT_CONFIG, ['math.ratio={"points":[[5,0.1],[2,0.2]]}']))).toEqual([
      "math.ratio.points[1]: step 2 comes before the previous point's step 5; points must be in step order",
    ]);
    expect(problems(() => applyOverrides(DEFAULT_CONFIG, ['math.ratio={bad']))).toEqual([expect.stringMatching(/^math\.ratio: "\{bad" is not valid JSON/)]);
  });

  it('docs/config.md documents every key, and every key has a schema description', () => {
    const docs = readFileSync(new URL('../../../docs/config.md', import.meta.url), 'utf8');
    const paths = configKeyPaths();
    expect(paths.length).toBeGreaterThan(50);
    for (const p of paths) {
      expect(docs, `docs/config.md lacks \`${p}\``).toContain(`\`${p}\``);
      expect(describeKey(p), p).not.toBe('');
    }
  });
});
