// Checkpoints as a list of named files (the studio stores them in IndexedDB through RunRecorder; Node
// writes them to a directory, checkpoint-node.ts):
//   adapter/adapter_config.json, adapter/adapter_model.safetensors   the LoRA adapter in PEFT format
//   trainer-state.safetensors   float64 adapter tensors, PPO's value head, the speech projector and the AdamW moments (exact: the PEFT export is f32)
//   state.json                  step, config, reward config, sampler/RNG state, counters
//   metrics.jsonl               every metric event up to this step
//   projector.safetensors       speech runs: the audio projector (float32, with its config)
import { parseSafetensors, writeSafetensors, type SafeTensorInput } from '../../model/safetensors.ts';
import type { RewardConfig } from '../../reward/config.ts';
import type { LoraAdapter, LoraConfig } from '../../train/lora.ts';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, serializePeft } from '../../train/peft.ts';
import type { TrainConfig } from '../config.ts';
import type { MetricEvent } from '../metrics.ts';
import type { SamplerState } from '../sampler.ts';
import type { AdamWSnapshot } from './adamw-state.ts';
import { VALUE_BIAS, VALUE_WEIGHT, type ValueHead } from './value-head.ts';

export const STATE_FILE = 'state.json';
export const TENSOR_FILE = 'trainer-state.safetensors';
export const METRICS_FILE = 'metrics.jsonl';
export const ADAPTER_DIR = 'adapter';

export interface TrainerStateJson {
  version: 1;
  /** The step the resumed run executes next (= steps completed). */
  nextStep: number;
  config: TrainConfig;
  reward: RewardConfig;
  sampler: SamplerState;
  consecutiveNonFinite: number;
  lora: LoraConfig;
  baseModel: string;
}

export interface TrainerSnapshot {
  state: TrainerStateJson;
  adapter: LoraAdapter;
  /** PPO's value head (null or absent otherwise). */
  valueHead?: ValueHead | null;
  optimizer: AdamWSnapshot;
  events: readonly MetricEvent[];
  /** Speech runs: the projector's tensors (by name) and its own AdamW state. */
  projector?: ProjectorState;
}

export interface ProjectorState {
  params: ReadonlyMap<string, Float64Array>;
  optimizer: AdamWSnapshot;
  /** The projector as `AudioProjector.toSafetensors()` writes it (PROJECTOR_FILE: what `tarl eval --projector` reads). */
  file: Uint8Array;
}

export const PROJECTOR_FILE = 'projector.safetensors';

export interface CheckpointFile {
  name: string;
  bytes: Uint8Array;
}

// SafeTensorInput's type lists only weight dtypes, but writeSafetensors writes any dtype given raw bytes.
const f64 = (a: Float64Array): SafeTensorInput => ({ dtype: 'F64' as SafeTensorInput['dtype'], shape: [a.length], data: new Uint8Array(a.buffer, a.byteOffset, a.byteLength) });

export function serializeCheckpoint(s: TrainerSnapshot): CheckpointFile[] {
  const enc = new TextEncoder();
  const tensors = new Map<string, SafeTensorInput>();
  for (const [path, m] of s.adapter.modules) {
    tensors.set(`adapter.${path}.lora_A`, f64(m.A));
    tensors.set(`adapter.${path}.lora_B`, f64(m.B));
  }
  if (s.valueHead) {
    tensors.set(VALUE_WEIGHT, f64(s.valueHead.weight));
    tensors.set(VALUE_BIAS, f64(s.valueHead.bias));
  }
  for (const [k, a] of s.optimizer.m) tensors.set(`adam_m.${k}`, f64(a));
  for (const [k, a] of s.optimizer.v) tensors.set(`adam_v.${k}`, f64(a));
  if (s.projector) {
    for (const [k, a] of s.projector.params) tensors.set(`projector.${k}`, f64(a));
    for (const [k, a] of s.projector.optimizer.m) tensors.set(`projector_adam_m.${k}`, f64(a));
    for (const [k, a] of s.projector.optimizer.v) tensors.set(`projector_adam_v.${k}`, f64(a));
  }
  const meta: Record<string, string> = { optimizer_step: String(s.optimizer.step) };
  if (s.projector) meta.projector_optimizer_step = String(s.projector.optimizer.step);
  const peft = serializePeft(s.adapter, s.state.baseModel);
  return [
    { name: `${ADAPTER_DIR}/${ADAPTER_CONFIG}`, bytes: enc.encode(peft.configJson) },
    { name: `${ADAPTER_DIR}/${ADAPTER_WEIGHTS}`, bytes: peft.safetensors },
    { name: TENSOR_FILE, bytes: writeSafetensors(tensors, meta) },
    { name: STATE_FILE, bytes: enc.encode(JSON.stringify(s.state, null, 1)) },
    ...(s.projector ? [{ name: PROJECTOR_FILE, bytes: s.projector.file }] : []),
    { name: METRICS_FILE, bytes: enc.encode(s.events.map((e) => `${JSON.stringify(e)}\n`).join('')) },
  ];
}

export interface ParsedCheckpoint {
  state: TrainerStateJson;
  /** module path → float64 A and B */
  adapter: Map<string, { A: Float64Array; B: Float64Array }>;
  /** Present when the run was PPO. */
  valueHead?: { weight: Float64Array; bias: Float64Array };
  optimizer: AdamWSnapshot;
  events: MetricEvent[];
  /** Present when the run trained a speech projector. */
  projector?: { params: Map<string, Float64Array>; optimizer: AdamWSnapshot };
}

export function parseCheckpoint(files: readonly CheckpointFile[], where = 'checkpoint'): ParsedCheckpoint {
  const get = (name: string) => {
    const f = files.find((x) => x.name === name);
    if (!f) throw new Error(`${where}: missing ${name}`);
    return f.bytes;
  };
  const dec = new TextDecoder();
  let state: TrainerStateJson;
  try {
    state = JSON.parse(dec.decode(get(STATE_FILE))) as TrainerStateJson;
  } catch (e) {
    throw new Error(`${where}/${STATE_FILE}: ${(e as Error).message}`);
  }
  if (state.version !== 1 || !Number.isInteger(state.nextStep)) throw new Error(`${where}/${STATE_FILE}: unsupported or corrupt state (version ${JSON.stringify(state.version)})`);
  const { tensors, metadata } = parseSafetensors(get(TENSOR_FILE), `${where}/${TENSOR_FILE}`);
  const read = (name: string) => {
    const t = tensors.get(name)!;
    if (t.dtype !== 'F64') throw new Error(`${where}/${TENSOR_FILE}: ${name} is ${t.dtype}, expected F64`);
    // Copy: the bytes may not be 8-byte aligned inside the file buffer.
    return new Float64Array(t.data.slice().buffer);
  };
  const adapter = new Map<string, { A: Float64Array; B: Float64Array }>();
  const m = new Map<string, Float64Array>();
  const v = new Map<string, Float64Array>();
  const proj = { params: new Map<string, Float64Array>(), m: new Map<string, Float64Array>(), v: new Map<string, Float64Array>() };
  for (const name of tensors.keys()) {
    if (name.startsWith('adapter.') && name.endsWith('.lora_A')) {
      const path = name.slice('adapter.'.length, -'.lora_A'.length);
      adapter.set(path, { A: read(name), B: read(`adapter.${path}.lora_B`) });
    } else if (name.startsWith('adam_m.')) m.set(name.slice(7), read(name));
    else if (name.startsWith('adam_v.')) v.set(name.slice(7), read(name));
    else if (name.startsWith('projector.')) proj.params.set(name.slice(10), read(name));
    else if (name.startsWith('projector_adam_m.')) proj.m.set(name.slice(17), read(name));
    else if (name.startsWith('projector_adam_v.')) proj.v.set(name.slice(17), read(name));
  }
  const projector = proj.params.size ? { params: proj.params, optimizer: { step: Number(metadata.projector_optimizer_step ?? 0), m: proj.m, v: proj.v } } : undefined;
  const events = dec
    .decode(get(METRICS_FILE))
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as MetricEvent;
      } catch (e) {
        throw new Error(`${where}/${METRICS_FILE}:${i + 1}: ${(e as Error).message}`);
      }
    });
  const valueHead = tensors.has(VALUE_WEIGHT) && tensors.has(VALUE_BIAS) ? { weight: read(VALUE_WEIGHT), bias: read(VALUE_BIAS) } : undefined;
  return { state, adapter, ...(valueHead ? { valueHead } : {}), ...(projector ? { projector } : {}), optimizer: { step: Number(metadata.optimizer_step ?? 0), m, v }, events };
}
