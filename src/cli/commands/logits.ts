// `tarl logits --model DIR --tokens 5,17,3 [--device cpu|webgpu] [--adapter PEFT_DIR]`
// → {"logits": [[...V floats...], ...one row per input token]} (full-sequence forward, no cache).
import type { Command } from 'commander';
import { dawnOption, fallbackOption, parseIntList } from '../options.ts';
import { deviceOption, openBackend, type ModelCommandOptions } from './model-options.ts';

export function register(program: Command): void {
  program
    .command('logits')
    .description('print the logits of every position of a token sequence as one JSON line')
    .requiredOption('--model <dir>', 'Hugging Face model folder (config.json + safetensors)')
    .requiredOption('--tokens <ids>', 'comma-separated token ids, e.g. 5,17,3')
    .addOption(deviceOption())
    .option('--adapter <dir>', 'PEFT LoRA adapter folder to apply to the model')
    .addOption(dawnOption())
    .addOption(fallbackOption())
    .action(async (opts: ModelCommandOptions) => {
      const tokens = parseIntList(opts.tokens, '--tokens');
      const backend = await openBackend(opts);
      try {
        const rows = await backend.logits(tokens);
        process.stdout.write(`{"logits":[${rows.map((r) => JSON.stringify(Array.from(r))).join(',')}]}\n`);
      } finally {
        backend.dispose();
      }
    });
}
