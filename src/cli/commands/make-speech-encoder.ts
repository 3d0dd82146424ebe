// `tarl make-speech-encoder [--config tiny|small] [--out DIR] [--device webgpu|cpu] [--steps N] [--init FILE]`:
// renders the listening data (cached under --cache), trains the project's speech encoder with CTC,
// exports it to ONNX and runs the held-out listening test through the exported model. Progress goes
// to stderr; stdout gets one JSON line {out, device, steps, exact, total, byKind, cer, seconds}.
import { Option, type Command } from 'commander';
import { LISTENER_PRESETS, makeListener } from '../../speech/listener/make.ts';

interface Flags {
  config: string;
  out: string;
  device: 'cpu' | 'webgpu';
  steps?: string;
  seed: string;
  cache: string;
  init?: string;
  evalEvery: string;
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
    .action(async (o: Flags) => {
      const r = await makeListener({
        preset: LISTENER_PRESETS[o.config]!, out: o.out, device: o.device, seed: int(o.seed, '--seed', 0), cacheDir: o.cache,
        steps: o.steps === undefined ? undefined : int(o.steps, '--steps', 1), init: o.init, evalEvery: int(o.evalEvery, '--eval-every', 1),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      const byKind = Object.fromEntries(Object.entries(r.listening.byKind).map(([k, v]) => [k, v.rate]));
      process.stdout.write(`${JSON.stringify({ out: o.out, config: r.preset, device: r.device, steps: r.steps, exact: r.listening.exact, total: r.listening.total, byKind, cer: r.listening.cer, seconds: r.seconds })}\n`);
    });
}
