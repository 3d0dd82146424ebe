// The README written beside a made listener: how it was made and what it measurably hears.
import { CTC_ALPHABET } from '../listening/corpus.ts';
import type { ListeningResult } from './train.ts';
import type { GrammarListening, ListenerReport, MakeListenerOptions } from './make.ts';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const score = (exact: number, n: number) => `${exact}/${n} = ${pct(exact / Math.max(1, n))}`;

const misses = (r: ListeningResult, n: number) => {
  const wrong = r.examples.filter((e) => e.heard !== e.label);
  if (!wrong.length) return 'none.\n';
  const shown = wrong.slice(0, n).map((e) => `- \`${e.label}\` → \`${e.heard}\` (${e.preset})`).join('\n');
  return `${wrong.length}${wrong.length > n ? `, the first ${n}` : ''} (label → heard):\n\n${shown}\n`;
};

/** The README's listening-test section: both decodings of the same logits, side by side. */
export function listeningSection(free: ListeningResult, g: GrammarListening): string {
  const kinds = [...new Set([...Object.keys(free.byKind), ...Object.keys(g.byKind)])];
  const cell = (r: ListeningResult, k: string) => (r.byKind[k] ? score(r.byKind[k]!.exact, r.byKind[k]!.n) : '–');
  const lx = g.lexicon;
  return `## Listening test (held-out, through encoder.onnx with onnxruntime-web)

Two decodings of the same CTC logits. **Free**: greedy best path, any string over the alphabet.
**Grammar**: CTC Viterbi constrained to the DB's identifier shapes (\`src/speech/listening/grammar.ts\`),
without being told the kind: order id \`${lx.orderPrefix}\` + ${lx.orderDigits.join(' or ')} digits, or email
\`<first>.<last>\` + ${lx.emailDigits.join(' or ')} digits + \`@${lx.emailDomains.join('|')}\` over the DB's ${lx.firstNames} first and ${lx.lastNames} last
names. Every digit is free and no identifier is listed: the grammar knows which names exist (as the
DB does), the encoder still has to hear which one, and every digit.

| kind | free (greedy) | grammar |
|---|---|---|
${kinds.map((k) => `| ${k} | ${cell(free, k)} | ${cell(g, k)} |`).join('\n')}
| all | ${score(free.exact, free.total)} | ${score(g.exact, g.total)} |
| character error rate | ${pct(free.cer)} | ${pct(g.cer)} |

Grammar decoding costs ${g.msPerUtterance.decode.toFixed(1)} ms per utterance (log-softmax + Viterbi, CPU), next to
${g.msPerUtterance.encoder.toFixed(0)} ms for the encoder itself. The issue's bar: ≥ 90% exact match on order ids and emails.

Misses of free decoding: ${misses(free, 8)}
Misses of grammar decoding: ${misses(g, 8)}`;
}

export function listenerReadme(r: ListenerReport, o: Pick<MakeListenerOptions, 'seed' | 'device'>): string {
  const every = Math.max(1, Math.ceil(r.curve.length / 12));
  const rows = r.curve.filter((_, i) => (i + 1) % every === 0 || i === r.curve.length - 1);
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

${listeningSection(r.listening, r.grammar)}
## Training loss (CTC, per label symbol)

| step | loss |
|---|---|
${rows.map((c) => `| ${c.step} | ${c.loss.toFixed(4)} |`).join('\n')}
${r.evals.length ? `\nProgress on a quarter of the held-out set: ${r.evals.map((e) => `@${e.step} ${e.exact}/${e.total}`).join(', ')}.\n` : ''}`;
}
