// `tarl make-speech-encoder [--config tiny|small] [--out DIR] [--device webgpu|cpu] [--steps N] [--init FILE]`:
// renders the listening data (cached under --cache), trains the project's speech encoder with CTC,
// exports it to ONNX and runs the held-out listening test through the exported model. Progress goes
// to stderr; stdout gets one JSON line {out, device, steps, exact, total, byKind, cer, seconds, grammar}.
// `--evaluate-only` re-runs only the listening test on <out>/encoder.onnx with the cached held-out
// features (no rendering, no training) and rewrites listening.json and the README's listening section.
import { Option, type Command } from 'commander';
import { evaluateListener, LISTENER_PRESETS, makeListener } from '../../speech/listener/make.ts';

interface Flags {
  config: string;
  out: string;
  device: 'cpu' | 'webgpu';
  steps?: string;
  seed: string;
  cache: string;
  init?: string;
  evalEvery: string;
  evaluateOnly?: boolean;
}

const int = (v: string, name: string, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: "${v}" is not an integer >= ${min}`);
  return n;
};

export function register(program: Command): void {
  program
    .command('make-speech-encoder')
    .description('make the offline speech encoder: espeak-ng renders of order ids and emails, CTC training, ONNX export, listening test')
    .addOption(new Option('--config <preset>', 'model and data size').choices(Object.keys(LISTENER_PRESETS)).default('small'))
    .option('--out <dir>', 'output folder', 'public/models/tarl-listener')
    .addOption(new Option('--device <device>', 'training engine: WGSL through WebGPU, or the CPU engine').choices(['webgpu', 'cpu']).default('webgpu'))
    .option('--steps <n>', "training steps (default: the preset's)")
    .option('--seed <n>', 'seed for data, voices, initialisation and batches', '7')
    .option('--cache <dir>', 'where rendered features are kept between runs', '.cache/listening')
    .option('--init <file>', 'start from these weights (a listener.safetensors)')
    .option('--eval-every <n>', 'steps between progress evaluations on part of the held-out set', '50')
    .option('--evaluate-only', "only re-run the listening test on <out>/encoder.onnx (cached held-out features), rewriting listening.json and the README's listening section")
    .action(async (o: Flags) => {
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const byKindOf = (r: { byKind: Record<string, { rate: number }> }) => Object.fromEntries(Object.entries(r.byKind).map(([k, v]) => [k, v.rate]));
      if (o.evaluateOnly) {
        const l = await evaluateListener({ preset: LISTENER_PRESETS[o.config]!, out: o.out, seed: int(o.seed, '--seed', 0), cacheDir: o.cache, log });
        const g = { exact: l.grammar.exact, total: l.grammar.total, byKind: byKindOf(l.grammar), cer: l.grammar.cer, msPerUtterance: l.grammar.msPerUtterance };
        process.stdout.write(`${JSON.stringify({ out: o.out, config: o.config, exact: l.exact, total: l.total, byKind: byKindOf(l), cer: l.cer, grammar: g })}\n`);
        return;
      }
      const r = await makeListener({
        preset: LISTENER_PRESETS[o.config]!, out: o.out, device: o.device, seed: int(o.seed, '--seed', 0), cacheDir: o.cache,
        steps: o.steps === undefined ? undefined : int(o.steps, '--steps', 1), init: o.init, evalEvery: int(o.evalEvery, '--eval-every', 1),
        log,
      });
      const g = { exact: r.grammar.exact, total: r.grammar.total, byKind: byKindOf(r.grammar), cer: r.grammar.cer, msPerUtterance: r.grammar.msPerUtterance };
      process.stdout.write(`${JSON.stringify({ out: o.out, config: r.preset, device: r.device, steps: r.steps, exact: r.listening.exact, total: r.listening.total, byKind: byKindOf(r.listening), cer: r.listening.cer, seconds: r.seconds, grammar: g })}\n`);
    });
}
