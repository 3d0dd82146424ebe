// `tarl generate --model DIR --tokens 5,17,3 --max-new-tokens 12 --greedy [--device cpu|webgpu]`
// → {"tokens": [...only the new token ids...]} through the KV-cache decode path.
import type { Command } from 'commander';
import { dawnOption, fallbackOption, parseIntList } from '../options.ts';
import { deviceOption, openBackend, type ModelCommandOptions } from './model-options.ts';

interface GenerateCommandOptions extends ModelCommandOptions {
  maxNewTokens: string;
  greedy?: boolean;
  temperature?: string;
  topK?: string;
  topP?: string;
  seed?: string;
}

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name}: "${v}" is not a number`);
  return n;
}

export function register(program: Command): void {
  program
    .command('generate')
    .description('continue a token sequence (KV-cache decode) and print the new token ids as one JSON line')
    .requiredOption('--model <dir>', 'Hugging Face model folder (config.json + safetensors)')
    .requiredOption('--tokens <ids>', 'comma-separated prompt token ids, e.g. 5,17,3')
    .requiredOption('--max-new-tokens <n>', 'maximum number of new tokens')
    .option('--greedy', 'argmax decoding')
    .option('--temperature <t>', 'sampling temperature (default 1)')
    .option('--top-k <k>', 'keep the k most probable tokens')
    .option('--top-p <p>', 'nucleus sampling mass')
    .option('--seed <n>', 'sampling seed (default 0)')
    .addOption(deviceOption())
    .option('--adapter <dir>', 'PEFT LoRA adapter folder to apply to the model')
    .addOption(dawnOption())
    .addOption(fallbackOption())
    .action(async (opts: GenerateCommandOptions) => {
      const tokens = parseIntList(opts.tokens, '--tokens');
      const maxNewTokens = num(opts.maxNewTokens, '--max-new-tokens')!;
      if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw new Error(`--max-new-tokens: "${opts.maxNewTokens}" is not a non-negative integer`);
      const backend = await openBackend(opts);
      try {
        const [result] = await backend.generate([tokens], {
          maxNewTokens,
          greedy: opts.greedy,
          temperature: num(opts.temperature, '--temperature'),
          topK: num(opts.topK, '--top-k'),
          topP: num(opts.topP, '--top-p'),
          seed: num(opts.seed, '--seed'),
        });
        process.stdout.write(JSON.stringify({ tokens: result!.tokens }) + '\n');
      } finally {
        backend.dispose();
      }
    });
}
