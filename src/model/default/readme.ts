// The model folder's README: how it was made and what it measured (figures come from the run).
import type { ModelConfig } from '../config.ts';
import type { Preset } from './presets.ts';
import type { SftStep } from './sft.ts';

export interface MakeReport {
  name: string;
  preset: Preset;
  config: ModelConfig;
  device: 'cpu' | 'webgpu';
  steps: number;
  seconds: number;
  sftSeconds: number;
  vocab: { kept: number; fromCorpus: number; corpusChars: number };
  data: { retailEpisodes: number; mathProblems: number; sequences: number; trainableTokens: number; window: number | null };
  curve: SftStep[];
  trainedTokens: number;
  weightsBytes: number;
}

/** At most `n` evenly spaced points of the curve, last included, each averaged over its stretch. */
export function curveSummary(curve: SftStep[], n = 12): { step: number; loss: number }[] {
  if (!curve.length) return [];
  const per = Math.max(1, Math.ceil(curve.length / n));
  const out: { step: number; loss: number }[] = [];
  for (let i = 0; i < curve.length; i += per) {
    const part = curve.slice(i, i + per);
    out.push({ step: part.at(-1)!.step + 1, loss: part.reduce((s, p) => s + p.loss, 0) / part.length });
  }
  return out;
}

export function renderReadme(r: MakeReport): string {
  const c = r.config;
  const rows = curveSummary(r.curve).map((p) => `| ${p.step} | ${p.loss.toFixed(4)} |`).join('\n');
  return `# ${r.name}

A Qwen3-architecture policy made by this project's own pipeline (\`npm run tarl -- make-default-model --config ${r.preset.name} --device ${r.device}${r.steps !== r.preset.steps ? ` --steps ${r.steps}` : ''}\`).

| | |
|---|---|
| shape | ${c.numLayers} layers, hidden ${c.hiddenSize}, ${c.numHeads} heads (${c.numKvHeads} KV), head dim ${c.headDim}, MLP ${c.intermediateSize}, tied embeddings |
| vocabulary | ${c.vocabSize} tokens: the real Qwen3 tokenizer restricted to the retail world + math text (${r.vocab.fromCorpus} seen in ${r.vocab.corpusChars} characters, plus bytes, specials, merge closure) |
| weights | ${(r.weightsBytes / 1e6).toFixed(2)} MB (${r.preset.dtype}) |
| data | ${r.data.retailEpisodes} oracle episodes (scripted user, retail **train** split only) + ${r.data.mathProblems} math problems with worked answers → ${r.data.sequences} sequences, ${r.data.trainableTokens} trainable (assistant) tokens${r.data.window ? `; windows of ${r.data.window} tokens ending on each assistant turn` : '; whole conversations'} |
| SFT | ${r.steps} steps × ${r.preset.batchSize} sequences, AdamW lr ${r.preset.lr} (warm-up ${Math.min(r.preset.warmupSteps, r.steps)}, cosine to 10%), ${r.trainedTokens} target tokens seen |
| device | ${r.device === 'webgpu' ? 'WGSL trainer through Dawn (GpuTrainer.createFull)' : 'float64 CPU trainer'} |
| time | ${r.sftSeconds.toFixed(0)} s SFT, ${r.seconds.toFixed(0)} s in all |
| final loss | ${r.curve.at(-1)?.loss.toFixed(4) ?? 'n/a'} (mean NLL per assistant token) |

## SFT loss (mean NLL per assistant token on the training batches; every point averages its stretch; per step in sft_curve.json)

| step | loss |
|---|---|
${rows}
${r.data.window ? `
**Windowed training.** This configuration trains on ${r.data.window}-token windows (a CPU-only
machine cannot afford backward passes over ~5–7k-token conversations); at run time the policy sees
the whole conversation (wiki + tool schemas ≈ 4.5k tokens first), which it never saw whole in training.
` : ''}
## Tokenizer and id map

\`tokenizer.json\` is Qwen3's byte-level BPE restricted to the tokens above; it keeps Qwen's ids, so it
tokenizes the retail world and math text exactly as Qwen3 does (and any other text, through smaller
pieces). The model itself has a ${c.vocabSize}-row embedding: \`id_map.json\` maps its ids to Qwen's,
and the project's tokenizer loader applies it both ways, so the rest of the engine sees the small
vocabulary. 151k embedding rows would not fit the size budget; the restricted set costs nothing on the
task's text.

## Evaluation

Not measured by make-default-model itself; run
\`npm run tarl -- eval --model <this folder> --split dev --user scripted --trials 1 --k 1 --greedy\`.
`;
}
