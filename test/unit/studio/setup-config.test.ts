// The Setup panel's model: validation through the config schema, presets and defaults, Hugging
// Face ids, and what a stored run records for resume (never an API key).
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/rl/config.ts';
import {
  huggingFaceUrl, initialSetup, parseField, parseStoredRunConfig, setConfigPath, setupProblems, storedRunConfig, withTinyDefaults, type SetupState,
} from '../../../src/studio/setup/setup-config.ts';
import { oneSentence, storedName, trainerName } from '../../../src/studio/trainer-client.ts';
import { ConfigError } from '../../../src/rl/config.ts';

const tiny = (): SetupState => ({ ...initialSetup(), policy: { kind: 'tiny', seed: 3 }, task: 'toy', config: withTinyDefaults(initialSetup().config) });

describe('setup validation', () => {
  it('asks for a policy first, and accepts the tiny model on the toy task', () => {
    expect(setupProblems(initialSetup(), false)).toEqual(['Choose a policy model.']);
    expect(setupProblems(tiny(), false)).toEqual([]);
  });

  it('names every bad config value through the schema validator', () => {
    let s = tiny();
    s = { ...s, config: setConfigPath(setConfigPath(s.config, 'lr', parseField('fast')), 'groupSize', parseField('1')) };
    const problems = setupProblems(s, false);
    expect(problems).toContain('lr: must be number, got "fast"');
    expect(problems.some((p) => p.startsWith('groupSize: must be >= 2'))).toBe(true);
  });

  it('refuses combinations the trainer cannot run, each in one sentence', () => {
    expect(setupProblems({ ...tiny(), task: 'retail' }, false)).toEqual(['The tiny random model has no tokenizer: it can only run the toy task.']);
    const folder: SetupState = { ...initialSetup(), policy: { kind: 'folder', name: 'qwen' } };
    expect(setupProblems(folder, false)[0]).toMatch(/Choose the local folder "qwen" again/);
    expect(setupProblems(folder, true)).toEqual([]);
    const judge = { ...folder, config: setConfigPath(folder.config, 'episode.judge', 'openai') };
    expect(setupProblems(judge, true)).toEqual(['episode.judge is "openai": give the judge endpoint\'s base URL and model.']);
    expect(setupProblems({ ...judge, judgeEndpoint: { baseUrl: 'http://127.0.0.1:8000/v1', model: 'judge' } }, true)).toEqual([]);
  });

  it('accepts PPO and the local judge and user simulator (the base model in the trainer worker)', () => {
    const folder: SetupState = { ...initialSetup(), policy: { kind: 'folder', name: 'qwen' } };
    let c = setConfigPath(folder.config, 'algorithm', 'ppo');
    c = setConfigPath(setConfigPath(c, 'episode.judge', 'local'), 'episode.user', 'local');
    expect(setupProblems({ ...folder, config: c }, true)).toEqual([]);
    expect(setupProblems({ ...folder, config: setConfigPath(c, 'ppo.lambda', parseField('2')) }, true)[0]).toMatch(/^ppo\.lambda: must be <= 1/);
  });

  it('parses typed fields into numbers, schedules and nulls, leaving text for the validator', () => {
    expect(parseField('0.03')).toBe(0.03);
    expect(parseField('{"points":[[0,0],[30,0.2]]}')).toEqual({ points: [[0, 0], [30, 0.2]] });
    expect(parseField('null')).toBeNull();
    expect(parseField('inverse-T')).toBe('inverse-T');
    expect(parseField('{oops')).toBe('{oops');
  });

  it('the tiny defaults are a short run that checkpoints', () => {
    const c = withTinyDefaults(structuredClone(DEFAULT_CONFIG));
    expect(c).toMatchObject({ steps: 30, groupSize: 8, math: { ratio: 0 }, sampling: { maxNewTokens: 2 }, checkpoint: { every: 2 }, eval: { every: 0 } });
    expect(c.lora.targets).toEqual(DEFAULT_CONFIG.lora.targets); // other keys untouched
  });
});

describe('policy sources', () => {
  it('turns Hugging Face ids into resolve URLs and rejects anything else', () => {
    expect(huggingFaceUrl('Qwen/Qwen2.5-0.5B-Instruct')).toBe('https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct/resolve/main/');
    expect(huggingFaceUrl('http://127.0.0.1:8080/models/x')).toBe('http://127.0.0.1:8080/models/x/');
    expect(() => huggingFaceUrl('just a name')).toThrow(/neither a Hugging Face model id/);
  });
});

describe('stored run config', () => {
  it('records the setup for resume without any API key, and splits it back', () => {
    const s: SetupState = { ...tiny(), config: setConfigPath(tiny().config, 'episode.judge', 'openai'), judgeEndpoint: { baseUrl: 'https://api.example/v1', model: 'm' } };
    const stored = storedRunConfig(s);
    expect(JSON.stringify(stored)).not.toMatch(/apiKey|sk-/);
    expect(stored.studio).toEqual({ policy: { kind: 'tiny', seed: 3 }, task: 'toy', device: 'webgpu', judgeEndpoint: { baseUrl: 'https://api.example/v1', model: 'm' } });
    const back = parseStoredRunConfig(JSON.parse(JSON.stringify(stored)), 'r1');
    expect(back.train.steps).toBe(30);
    expect(back.setup.policy).toEqual({ kind: 'tiny', seed: 3 });
    expect(() => parseStoredRunConfig({ steps: 4000 }, 'run-e2e')).toThrow(/run run-e2e does not record which policy model/);
  });

  it('maps checkpoint file names to plain store names and back', () => {
    for (const n of ['adapter/adapter_config.json', 'adapter/adapter_model.safetensors', 'trainer-state.safetensors', 'state.json']) {
      expect(storedName(n)).not.toContain('/');
      expect(trainerName(storedName(n))).toBe(n);
    }
  });

  it('reduces errors to one sentence', () => {
    expect(oneSentence(new Error('could not fetch x: HTTP 404\n  at stack'))).toBe('could not fetch x: HTTP 404.');
    expect(oneSentence(new ConfigError(['lr: must be number', 'steps: must be >= 1']))).toBe('Invalid training config: lr: must be number (and 1 more problems).');
  });
});
