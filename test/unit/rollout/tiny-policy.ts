// A tiny random Qwen3-shaped model with the real Qwen3 tokenizer's vocabulary, on the CPU backend:
// cheap enough for unit tests of the policy agent's token bookkeeping.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend, type InferenceBackend } from '../../../src/model/backend.ts';
import { loadModelFromDir, writeModelFiles } from '../../../src/model/load-node.ts';
import { buildTinyModel } from '../../../src/model/tiny.ts';
import type { ModelTokenizer } from '../../../src/model/tokenizer.ts';
import { loadBundledQwen3Tokenizer } from '../../../src/model/tokenizer-node.ts';

export async function tinyPolicy(maxPositions = 4096): Promise<{ backend: InferenceBackend; tokenizer: ModelTokenizer; dir: string }> {
  const tokenizer = await loadBundledQwen3Tokenizer();
  const files = buildTinyModel({
    architecture: 'qwen3', vocabSize: tokenizer.vocabSize, hiddenSize: 32, numHeads: 2, numKvHeads: 1, headDim: 16,
    intermediateSize: 64, numLayers: 1, eosTokenIds: tokenizer.eosTokenIds, seed: 7,
  });
  const config = JSON.parse(files.get('config.json') as string);
  config.max_position_embeddings = maxPositions;
  files.set('config.json', JSON.stringify(config));
  const dir = mkdtempSync(join(tmpdir(), 'tarl-tiny-policy-'));
  await writeModelFiles(dir, files);
  const backend = await createBackend(await loadModelFromDir(dir), 'cpu');
  return { backend, tokenizer, dir };
}
