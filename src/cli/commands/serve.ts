// `tarl serve --model DIR [--port 8000] [--device cpu|webgpu]`: the local model as an
// OpenAI-compatible chat endpoint on 127.0.0.1 (tool calls included). Prints one JSON line
// {"url": ...} when listening; runs until interrupted.
import type { Command } from 'commander';
import { directorySource } from '../../model/load-node.ts';
import { loadTokenizer } from '../../model/tokenizer.ts';
import { startOpenAIServer } from '../../rollout/openai-server.ts';
import { dawnOption, fallbackOption } from '../options.ts';
import { deviceOption, openBackend, type ModelCommandOptions } from './model-options.ts';

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the local model as an OpenAI-compatible chat endpoint on 127.0.0.1')
    .requiredOption('--model <dir>', 'Hugging Face model folder (config.json, safetensors, tokenizer files)')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', '8000')
    .option('--name <model>', 'model name reported by the endpoint (default: the folder)')
    .addOption(deviceOption())
    .option('--adapter <dir>', 'PEFT LoRA adapter folder to apply to the model')
    .addOption(dawnOption())
    .addOption(fallbackOption())
    .action(async (opts: Omit<ModelCommandOptions, 'tokens'> & { port: string; name?: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: "${opts.port}" is not a port number`);
      const tokenizer = await loadTokenizer(directorySource(opts.model));
      const backend = await openBackend({ ...opts, tokens: '' });
      const { url, close } = await startOpenAIServer({ backend, tokenizer, modelName: opts.name ?? opts.model, port });
      process.stdout.write(JSON.stringify({ url, model: opts.name ?? opts.model }) + '\n');
      await new Promise<void>((resolve) => {
        const stop = () => void close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      backend.dispose();
    });
}
