// `tarl lora-grad --model DIR --adapter PEFT_DIR --tokens 5,17,3 [--device cpu|webgpu]`
// → {"loss": L, "grads": {"<PEFT tensor name as saved>": [[...]], ...}} with
// L = −Σ_t log p(x_{t+1} | x_≤t) over every next-token position; lora_A grads r × in, lora_B out × r.
import type { Command } from 'commander';
import { loadModelFromDir } from '../../model/load-node.ts';
import { loadPeftDir } from '../../train/peft.ts';
import { loraGradCpu, type LoraGradOutput } from '../../train/lora-grad.ts';
import { acquireOptionsFrom, dawnOption, fallbackOption, parseIntList } from '../options.ts';
import { deviceOption } from './model-options.ts';

interface LoraGradOptions {
  model: string;
  adapter: string;
  tokens: string;
  device: 'cpu' | 'webgpu';
  dawn: string[];
  fallback?: boolean;
}

export function register(program: Command): void {
  program
    .command('lora-grad')
    .description('print the next-token NLL of a sequence and its gradient w.r.t. every LoRA A/B tensor as one JSON line')
    .requiredOption('--model <dir>', 'Hugging Face model folder (config.json + safetensors)')
    .requiredOption('--adapter <dir>', 'PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors)')
    .requiredOption('--tokens <ids>', 'comma-separated token ids (at least 2), e.g. 5,17,3')
    .addOption(deviceOption())
    .addOption(dawnOption())
    .addOption(fallbackOption())
    .action(async (opts: LoraGradOptions) => {
      const tokens = parseIntList(opts.tokens, '--tokens');
      if (tokens.length < 2) throw new Error(`--tokens: need at least 2 tokens to have a next-token position, got ${tokens.length}`);
      const weights = await loadModelFromDir(opts.model);
      const adapter = await loadPeftDir(opts.adapter, weights.config);
      let out: LoraGradOutput;
      if (opts.device === 'cpu') out = loraGradCpu(weights, adapter, tokens);
      else {
        const { loraGradGpu } = await import('../../train/gpu/lora-grad.ts');
        out = await loraGradGpu(weights, adapter, tokens, acquireOptionsFrom(opts));
      }
      process.stdout.write(JSON.stringify(out) + '\n');
    });
}
