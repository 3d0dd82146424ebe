// `make-default-model --config tiny` end to end through the real CLI: the folder (HF layout, restricted
// tokenizer, id map, README, manifest) loads through the normal loaders, and the policy agent runs it
// on a dev task's opening turns. A 3-step tiny model is not trained enough to call tools, so this
// checks well-formedness (every id in the small vocabulary, decodable, parsed), not correctness.
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../helpers/cli.ts';
import { createBackend } from '../../../../src/model/backend.ts';
import { directorySource, loadModelFromDir } from '../../../../src/model/load-node.ts';
import { loadTokenizer } from '../../../../src/model/tokenizer.ts';
import { PolicyAgent } from '../../../../src/rollout/agents/policy.ts';
import { loadRetailData, loadTasks, loadToolSchemas, loadWiki } from '../../../../src/rollout/node-data.ts';
import { ScriptedUser } from '../../../../src/rollout/users/scripted.ts';
import { learningRate, windowDemos } from '../../../../src/model/default/sft.ts';

const root = mkdtempSync(join(tmpdir(), 'tarl-default-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('make-default-model', () => {
  it('--config tiny writes a loadable HF folder and a manifest, and the policy runs on a dev task', async () => {
    const r = runCli(['make-default-model', '--config', 'tiny', '--out', root, '--name', 'ci-tiny'], { timeoutMs: 90_000 });
    expect(r.stderr).toMatch(/demonstrations: 2 retail episodes \(train split\)/);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!) as { dir: string; steps: number; finalLoss: number; vocabSize: number };
    expect(out.steps).toBe(3);
    expect(Number.isFinite(out.finalLoss)).toBe(true);
    const dir = join(root, 'ci-tiny');
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'id_map.json', 'README.md', 'sft_curve.json']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(root, 'index.json'), 'utf8')) as { models: { name: string; path: string }[] };
    expect(manifest.models.map((m) => m.name)).toEqual(['ci-tiny']);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/\| 3 \| \d+\.\d{4} \|/);
    expect(JSON.parse(readFileSync(join(dir, 'sft_curve.json'), 'utf8'))).toHaveLength(3);

    const weights = await loadModelFromDir(dir);
    const tok = await loadTokenizer(directorySource(dir));
    expect(weights.config.architecture).toBe('qwen3');
    expect(weights.config.vocabSize).toBe(tok.vocabSize);
    expect(weights.config.vocabSize).toBe(out.vocabSize);
    expect(weights.config.eosTokenIds).toContain(tok.tokenId('<|im_end|>'));

    const task = loadTasks('dev')[0]!;
    const ctx = { task, systemPrompt: loadWiki(), tools: loadToolSchemas(), db: loadRetailData(), seed: 1 };
    const opening = await new ScriptedUser().start(ctx);
    const backend = await createBackend(weights, 'cpu');
    try {
      const agent = new PolicyAgent(backend, tok, { maxNewTokens: 12, temperature: 0, enableThinking: false });
      const step = await agent.act(ctx, [{ role: 'system', text: ctx.systemPrompt }, { role: 'user', text: opening }]);
      const t = step.tokens!;
      expect(t.context.length).toBeGreaterThan(3000); // wiki + tool schemas + the opening, all in the small vocabulary
      expect([...t.context, ...t.completion].every((id) => id >= 0 && id < tok.vocabSize)).toBe(true);
      expect(t.completion.length).toBeGreaterThan(0);
      expect(typeof tok.decode(t.completion)).toBe('string');
      expect(Array.isArray(step.toolCalls)).toBe(true);
    } finally {
      backend.dispose();
    }
  }, 120_000);

  it('windows end on assistant completions and keep only their targets; the LR warms up then decays', () => {
    const d = { source: 'x', tokens: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], trainable: Uint8Array.from([0, 0, 0, 1, 1, 0, 0, 0, 1, 0]) };
    const w = windowDemos([d], 4);
    expect(w.map((x) => x.tokens)).toEqual([[2, 3, 4, 5], [6, 7, 8, 9]]);
    expect(w.map((x) => [...x.trainable])).toEqual([[0, 1, 1], [0, 0, 1]]);
    expect(windowDemos([d], 20)).toEqual([d]);
    const o = { steps: 10, lr: 1, warmupSteps: 2 };
    expect([0, 1, 2].map((s) => learningRate(s, o))).toEqual([0.5, 1, 1]);
    expect(learningRate(9, o)).toBeGreaterThan(0.1);
    expect(learningRate(10, o)).toBeCloseTo(0.1, 10);
  });
});
