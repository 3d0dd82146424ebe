import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLora, LORA_TARGETS } from '../../../src/train/lora.ts';
import { loadPeftDir, mergeAdapter, parsePeft, savePeftDir, serializePeft } from '../../../src/train/peft.ts';
import { parseSafetensors, writeSafetensors, float32ToBf16Bits, type SafeTensorInput } from '../../../src/model/safetensors.ts';
import { loadModelFromDir } from '../../../src/model/load-node.ts';
import { sequenceLogprobs } from '../../../src/train/cpu/model.ts';
import { trainModelFromWeights } from '../../../src/train/cpu/params.ts';
import { randomTrainModel, tinyConfig, writeModelDir } from './tiny-model.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tarl-peft-'));
});

describe('PEFT adapters', () => {
  const config = tinyConfig('qwen3');

  it('round-trips through adapter_config.json + adapter_model.safetensors with PEFT tensor names', async () => {
    const a = createLora(config, { r: 3, alpha: 12, targets: ['q_proj', 'v_proj', 'down_proj'], layers: [1] }, { init: 'random', seed: 3 });
    await savePeftDir(join(dir, 'rt'), a, 'tiny');
    const cfg = JSON.parse(await readFile(join(dir, 'rt/adapter_config.json'), 'utf8'));
    expect(cfg).toMatchObject({ peft_type: 'LORA', r: 3, lora_alpha: 12, target_modules: ['q_proj', 'v_proj', 'down_proj'], task_type: 'CAUSAL_LM', layers_to_transform: [1] });
    const { tensors } = parseSafetensors(new Uint8Array(await readFile(join(dir, 'rt/adapter_model.safetensors'))));
    expect([...tensors.keys()].sort()).toEqual([
      'base_model.model.model.layers.1.mlp.down_proj.lora_A.weight',
      'base_model.model.model.layers.1.mlp.down_proj.lora_B.weight',
      'base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight',
      'base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight',
      'base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight',
      'base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight',
    ]);
    // q_proj: in 16, out 4 heads × 6; down_proj: in 24, out 16.
    expect(tensors.get('base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight')!.shape).toEqual([3, 16]);
    expect(tensors.get('base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight')!.shape).toEqual([24, 3]);
    expect(tensors.get('base_model.model.model.layers.1.mlp.down_proj.lora_A.weight')!.shape).toEqual([3, 24]);
    const b = await loadPeftDir(join(dir, 'rt'), config);
    expect(b.scale).toBe(4);
    expect([...b.modules.keys()].sort()).toEqual([...a.modules.keys()].sort());
    for (const [path, m] of a.modules) {
      expect(Array.from(b.modules.get(path)!.A)).toEqual(Array.from(Float32Array.from(m.A)));
      expect(Array.from(b.modules.get(path)!.B)).toEqual(Array.from(Float32Array.from(m.B)));
    }
  });

  it('reads bf16 tensors, a regex target_modules and rsLoRA scaling', () => {
    const A = new Float32Array(2 * 16).fill(0.5);
    const B = new Float32Array(12 * 2).fill(-0.25);
    const t = new Map<string, SafeTensorInput>([
      ['base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight', { dtype: 'BF16', shape: [2, 16], data: Uint16Array.from(A, float32ToBf16Bits) }],
      ['base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight', { dtype: 'BF16', shape: [12, 2], data: Uint16Array.from(B, float32ToBf16Bits) }],
    ]);
    const json = JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4, use_rslora: true, target_modules: '.*\\.(k_proj|v_proj)' });
    const a = parsePeft(json, writeSafetensors(t), config);
    expect(a.config.targets).toEqual(['k_proj', 'v_proj']);
    expect(a.scale).toBeCloseTo(4 / Math.sqrt(2), 12);
    expect(a.modules.get('model.layers.0.self_attn.k_proj')!.B[0]).toBe(-0.25);
    const all = parsePeft(JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: 'all-linear' }), writeSafetensors(t), config);
    expect(all.config.targets).toHaveLength(7);
  });

  it('rejects mis-shaped, incomplete and unsupported adapters by name', () => {
    const good = createLora(config, { r: 2, alpha: 2, targets: ['o_proj'] }, { init: 'random' });
    const { configJson, safetensors } = serializePeft(good);
    const other = tinyConfig('qwen3', { hidden_size: 20 });
    expect(() => parsePeft(configJson, safetensors, other)).toThrow(/o_proj\.lora_B\.weight has shape \[16, 2\], expected \[20, 2\]/);
    const { tensors } = parseSafetensors(safetensors);
    const onlyA = new Map<string, SafeTensorInput>();
    for (const [n, t] of tensors) if (n.includes('lora_A')) onlyA.set(n, { dtype: 'F32', shape: t.shape, data: t.data });
    expect(() => parsePeft(configJson, writeSafetensors(onlyA), config)).toThrow(/has lora_A but no lora_B/);
    expect(() => parsePeft(JSON.stringify({ ...JSON.parse(configJson), use_dora: true }), safetensors, config)).toThrow(/use_dora/);
    expect(() => parsePeft(JSON.stringify({ ...JSON.parse(configJson), target_modules: ['embed_tokens'] }), safetensors, config)).toThrow(/embed_tokens/);
    expect(() => parsePeft('{', safetensors, config)).toThrow(/adapter_config\.json: not valid JSON/);
  });

  it('merged weights (for `logits --adapter`) give the same log-probs as the unmerged adapter', async () => {
    const model = randomTrainModel(tinyConfig('qwen2'), 21);
    await writeModelDir(join(dir, 'm'), model);
    const weights = await loadModelFromDir(join(dir, 'm'));
    const a = createLora(weights.config, { r: 2, alpha: 4, targets: [...LORA_TARGETS] }, { init: 'random', seed: 4, randomScale: 0.3 });
    const seq = [{ tokens: [1, 7, 3, 22, 5] }];
    const base = trainModelFromWeights(weights);
    const unmerged = sequenceLogprobs(base, a, seq).logprobs[0]!;
    const merged = sequenceLogprobs(trainModelFromWeights(mergeAdapter(weights, a)), null, seq).logprobs[0]!;
    const plain = sequenceLogprobs(base, null, seq).logprobs[0]!;
    for (let t = 0; t < unmerged.length; t++) {
      expect(merged[t]).toBeCloseTo(unmerged[t]!, 5);
      expect(Math.abs(plain[t]! - unmerged[t]!)).toBeGreaterThan(1e-4);
    }
  });
});
