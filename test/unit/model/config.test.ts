import { describe, expect, it } from 'vitest';
import { parseModelConfig, toHfConfigJson } from '../../../src/model/config.ts';

// Abbreviated real configs: Qwen2.5-0.5B-Instruct (transformers 4.x) and Qwen3-0.6B (5.x spelling).
const qwen25 = {
  architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', hidden_size: 896, intermediate_size: 4864,
  num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, vocab_size: 151936,
  rms_norm_eps: 1e-6, rope_theta: 1000000.0, tie_word_embeddings: true, max_position_embeddings: 32768,
  torch_dtype: 'bfloat16', eos_token_id: 151645, bos_token_id: 151643, hidden_act: 'silu',
};
const qwen3v5 = {
  architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', hidden_size: 1024, intermediate_size: 3072,
  num_hidden_layers: 28, num_attention_heads: 16, num_key_value_heads: 8, head_dim: 128, vocab_size: 151936,
  rms_norm_eps: 1e-6, rope_parameters: { rope_type: 'default', rope_theta: 1000000 }, tie_word_embeddings: true,
  max_position_embeddings: 40960, dtype: 'bfloat16', eos_token_id: [151645, 151643], attention_bias: false,
};

describe('parseModelConfig', () => {
  it('normalizes a transformers 4.x Qwen2.5 config', () => {
    const c = parseModelConfig(qwen25);
    expect(c).toMatchObject({
      architecture: 'qwen2', hiddenSize: 896, numHeads: 14, numKvHeads: 2, headDim: 64, numLayers: 24,
      ropeTheta: 1e6, tieWordEmbeddings: true, attentionBias: true, qkNorm: false, dtype: 'bfloat16',
      eosTokenIds: [151645], bosTokenId: 151643, vocabSize: 151936, intermediateSize: 4864,
    });
  });

  it('normalizes a transformers 5.x Qwen3 config (rope_parameters, dtype, explicit head_dim)', () => {
    const c = parseModelConfig(qwen3v5);
    expect(c).toMatchObject({
      architecture: 'qwen3', headDim: 128, ropeTheta: 1e6, qkNorm: true, attentionBias: false,
      dtype: 'bfloat16', eosTokenIds: [151645, 151643], numKvHeads: 8,
    });
    expect(c.headDim).not.toBe(c.hiddenSize / c.numHeads);
  });

  it('falls back to defaults where HF does (kv heads = heads, f32, no eos)', () => {
    const { num_key_value_heads: _k, torch_dtype: _d, eos_token_id: _e, ...rest } = qwen25;
    const c = parseModelConfig(rest);
    expect(c.numKvHeads).toBe(14);
    expect(c.dtype).toBe('float32');
    expect(c.eosTokenIds).toEqual([]);
  });

  it('round-trips through toHfConfigJson', () => {
    for (const j of [qwen25, qwen3v5]) {
      const c = parseModelConfig(j);
      expect(parseModelConfig(toHfConfigJson(c))).toEqual(c);
    }
  });

  it('names an unknown architecture', () => {
    expect(() => parseModelConfig({ ...qwen25, architectures: ['LlamaForCausalLM'], model_type: 'llama' })).toThrow(
      /unsupported architecture "llama", "LlamaForCausalLM"/,
    );
    expect(() => parseModelConfig({ ...qwen25, architectures: undefined, model_type: undefined })).toThrow(/\(none given\)/);
  });

  it('gives clear errors for bad fields', () => {
    expect(() => parseModelConfig({ ...qwen25, hidden_size: -3 }, 'x/config.json')).toThrow(/x\/config.json: "hidden_size" must be a positive integer \(got -3\)/);
    expect(() => parseModelConfig({ ...qwen25, num_key_value_heads: 3 })).toThrow(/multiple of num_key_value_heads/);
    expect(() => parseModelConfig({ ...qwen25, torch_dtype: 'int8' })).toThrow(/unsupported dtype "int8"/);
    const { rope_theta: _r, ...noRope } = qwen25;
    expect(() => parseModelConfig(noRope)).toThrow(/rope_theta/);
    expect(() => parseModelConfig({ ...qwen3v5, rope_parameters: { rope_type: 'yarn', rope_theta: 1e6 } })).toThrow(/yarn/);
    expect(() => parseModelConfig({ ...qwen3v5, attention_bias: true })).toThrow(/attention_bias/);
    expect(() => parseModelConfig({ ...qwen25, rope_scaling: { type: 'yarn', factor: 4 } })).toThrow(/rope_scaling.rope_type "yarn"/);
    expect(parseModelConfig({ ...qwen25, rope_scaling: null, use_sliding_window: false }).ropeTheta).toBe(1e6);
    expect(() => parseModelConfig({ ...qwen25, use_sliding_window: true })).toThrow(/use_sliding_window/);
    expect(() => parseModelConfig({ ...qwen25, hidden_act: 'gelu' })).toThrow(/hidden_act "gelu"/);
    expect(() => parseModelConfig([1, 2])).toThrow(/JSON object/);
  });
});
