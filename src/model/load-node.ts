// Loading a model from a directory in Node (HF layout: config.json + safetensors, tokenizer files).
// Node-only: never import this from browser modules.
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadModelWeights, type ModelSource, type ModelWeights } from './weights.ts';

export function directorySource(dir: string): ModelSource {
  const root = resolve(dir);
  return {
    name: root,
    async has(file) {
      try {
        await access(join(root, file));
        return true;
      } catch {
        return false;
      }
    },
    readText: (file) => readFile(join(root, file), 'utf8'),
    async readBytes(file) {
      const b = await readFile(join(root, file));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
  };
}

/** `loadModelFromDir('path/to/Qwen2.5-0.5B-Instruct')`: validated weights, errors naming the file/tensor. */
export async function loadModelFromDir(dir: string): Promise<ModelWeights> {
  try {
    await access(dir);
  } catch {
    throw new Error(`model directory "${dir}" does not exist`);
  }
  return loadModelWeights(directorySource(dir));
}

/** Writes model files (e.g. from buildTinyModel) into `dir`, creating it. */
export async function writeModelFiles(dir: string, files: Map<string, string | Uint8Array>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, content] of files) await writeFile(join(dir, name), content);
}
