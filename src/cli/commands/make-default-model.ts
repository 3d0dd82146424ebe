// `tarl make-default-model [--config tiny|small|full] [--out DIR] [--name NAME] [--device cpu|webgpu] [--steps N]`:
// builds the offline default policy (restricted Qwen3 vocabulary + id map, oracle demonstrations on
// the retail train split, full-weight SFT) into DIR/NAME/ and lists it in DIR/index.json.
// Progress goes to stderr; stdout gets one JSON line {dir, steps, finalLoss, seconds, weightsBytes, ...}.
import { Option, type Command } from 'commander';
import { makeDefaultModel } from '../../model/default/make.ts';
import { presetByName } from '../../model/default/presets.ts';

interface Flags {
  config: string;
  out: string;
  name?: string;
  device: 'cpu' | 'webgpu';
  steps?: string;
  window?: string;
  seed: string;
}

export function register(program: Command): void {
  program
    .command('make-default-model')
    .description('make the offline default policy: restricted Qwen3 tokenizer, oracle demonstrations (train split), full-weight SFT')
    .addOption(new Option('--config <preset>', 'model shape and budget').choices(['tiny', 'small', 'full']).default('small'))
    .option('--out <dir>', 'models root (the folder goes in <dir>/<name>/, the manifest in <dir>/index.json)', 'public/models')
    .option('--name <name>', 'folder name (default tarl-qwen3-<config>)')
    .addOption(new Option('--device <device>', 'SFT engine: float64 CPU trainer or WGSL through Dawn').choices(['cpu', 'webgpu']).default('cpu'))
    .option('--steps <n>', "SFT steps (default: the preset's)")
    .option('--window <n>', "training window in tokens, 0 = whole conversations (default: the preset's)")
    .option('--seed <n>', 'seed for initialisation, episodes and shuffling', '0')
    .action(async (o: Flags) => {
      const preset = presetByName(o.config);
      const steps = o.steps === undefined ? undefined : Number(o.steps);
      if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) throw new Error(`--steps: "${o.steps}" is not a positive integer`);
      const window = o.window === undefined ? undefined : Number(o.window);
      if (window !== undefined && (!Number.isInteger(window) || window < 0 || (window > 0 && window < 16))) throw new Error(`--window: "${o.window}" is not 0 or an integer >= 16`);
      const seed = Number(o.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed: "${o.seed}" is not a non-negative integer`);
      const { dir, report } = await makeDefaultModel({
        preset, root: o.out, name: o.name ?? `tarl-qwen3-${preset.name}`, device: o.device, steps, window, seed,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${JSON.stringify({ dir, config: preset.name, device: report.device, steps: report.steps, finalLoss: report.curve.at(-1)?.loss ?? null, firstLoss: report.curve[0]?.loss ?? null, seconds: report.seconds, weightsBytes: report.weightsBytes, vocabSize: report.config.vocabSize, retailEpisodes: report.data.retailEpisodes, mathProblems: report.data.mathProblems })}\n`);
    });
}
