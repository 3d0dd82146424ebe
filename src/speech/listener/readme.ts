// The README written beside a made listener: how it was made and what it measurably hears.
import { CTC_ALPHABET } from '../listening/corpus.ts';
import type { ListenerReport, MakeListenerOptions } from './make.ts';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function listenerReadme(r: ListenerReport, o: Pick<MakeListenerOptions, 'seed' | 'device'>): string {
  const every = Math.max(1, Math.ceil(r.curve.length / 12));
  const rows = r.curve.filter((_, i) => (i + 1) % every === 0 || i === r.curve.length - 1);
  const kinds = Object.entries(r.listening.byKind);
  const wrong = r.listening.examples.filter((e) => e.heard !== e.label).slice(0, 8);
  return `# tarl-listener (${r.preset})

The project's own speech encoder, made by \`npm run tarl -- make-speech-encoder --config ${r.preset} --device ${o.device} --seed ${o.seed}\`:
Whisper log-mel (80 × 100 frames/s) → Conv1d+GELU stack (first layer stride 4) → Linear → encoder frames
(what the projector reads) → Linear → CTC logits over \`${CTC_ALPHABET}\` + blank.
\`encoder.onnx\` has both outputs (\`frames\`, \`ctc_logits\`); \`listener.safetensors\` holds the same weights.

| | |
|---|---|
| parameters | ${r.params} |
| training data | ${r.data.trainUtterances} espeak-ng renders (seeded voices, clean/telephone presets), ${r.data.trainItems} identifiers, ${r.data.trainAudioS.toFixed(0)} s of audio |
| held-out set | ${r.data.heldOut} single-identifier renders (${r.data.heldOutAudioS.toFixed(0)} s) of order ids and emails that never occur in training, other voice seeds |
| training | ${r.steps} steps × ${r.batch} utterances, CTC, AdamW, SpecAugment-style masks${r.initFrom ? `, continued from the weights of an earlier run (\`--init ${r.initFrom}\`; its own curve is not repeated here)` : ', from a seeded random init'} |
| engine | ${r.device === 'webgpu' ? 'WGSL (conv1d/GELU/GEMM kernels) through WebGPU' : 'CPU engine (float32; the WGSL engine computes the same, test/gpu/listener.test.ts)'} |
| time | ${r.seconds.render < 2 ? 'features from the cache' : `${r.seconds.render.toFixed(0)} s rendering + features`}, ${r.seconds.train.toFixed(0)} s training |
| encoder.onnx | ${(r.onnxBytes / 1024).toFixed(0)} KiB |

## Listening test (held-out, through encoder.onnx with onnxruntime-web, greedy CTC)

| kind | exact match |
|---|---|
${kinds.map(([k, v]) => `| ${k} | ${v.exact}/${v.n} = ${pct(v.rate)} |`).join('\n')}
| all | ${r.listening.exact}/${r.listening.total} = ${pct(r.listening.exact / Math.max(1, r.listening.total))} |

Character error rate ${pct(r.listening.cer)}. The issue's bar: ≥ 90% exact match on order ids and emails.

${wrong.length ? `Some misses (label → heard):\n\n${wrong.map((e) => `- \`${e.label}\` → \`${e.heard}\` (${e.preset})`).join('\n')}\n` : 'No misses.\n'}
## Training loss (CTC, per label symbol)

| step | loss |
|---|---|
${rows.map((c) => `| ${c.step} | ${c.loss.toFixed(4)} |`).join('\n')}
${r.evals.length ? `\nProgress on a quarter of the held-out set: ${r.evals.map((e) => `@${e.step} ${e.exact}/${e.total}`).join(', ')}.\n` : ''}`;
}
