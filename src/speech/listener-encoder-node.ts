// Node loader for the listener encoder: reads the ONNX file (and the config.json next to it, which
// make-speech-encoder writes, for the architecture). Node-only: never import this from browser modules.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ListenerConfig } from './listener/config.ts';
import { loadListenerEncoder, type ListenerEncoder, type ListenerEncoderOptions } from './listener-encoder.ts';

export const DEFAULT_LISTENER_ONNX = 'public/models/tarl-listener/encoder.onnx';

/** The architecture in `<dir>/config.json` ({ format: 'tarl-listener', nMels, convs, outDim, vocab }), or undefined. */
async function configBeside(modelPath: string): Promise<ListenerConfig | undefined> {
  const file = join(dirname(modelPath), 'config.json');
  if (!existsSync(file)) return undefined;
  let json: Partial<ListenerConfig> & { format?: string };
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as typeof json;
  } catch (e) {
    throw new Error(`listener encoder: ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (json.format !== 'tarl-listener') return undefined;
  const { nMels, convs, outDim, vocab } = json;
  return { nMels: nMels!, convs: convs!, outDim: outDim!, vocab: vocab! }; // checked by loadListenerEncoder
}

export async function loadListenerEncoderNode(path = DEFAULT_LISTENER_ONNX, opts: ListenerEncoderOptions = {}): Promise<ListenerEncoder> {
  const file = resolve(path);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new Error(`listener encoder: cannot read ${file}: ${(e as Error).message}`);
  }
  const config = opts.config ?? (await configBeside(file));
  return loadListenerEncoder(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { ...opts, ...(config ? { config } : {}) });
}
