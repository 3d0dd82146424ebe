// PEFT LoRA adapters on disk: adapter_config.json + adapter_model.safetensors, tensor names as HF PEFT
// saves them ("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", A: r × in, B: out × r),
// so adapters trained here load in HF PEFT / vLLM and PEFT adapters load here.
// Also `applyAdapterIfAny` for `tarl logits --adapter DIR`: it folds scale·B·A into a copy of the base
// weights (the same function as the unmerged forward, up to float rounding) so every backend can use it.
import type { ModelConfig } from '../model/config.ts';
import { parseSafetensors, tensorToFloat32, type SafeTensor, type SafeTensorInput, writeSafetensors } from '../model/safetensors.ts';
import { createModelWeights, type ModelWeights } from '../model/weights.ts';
import { isLoraTarget, LORA_TARGETS, loraScale, modulePath, projectionShape, validateLoraConfig, type LoraAdapter, type LoraConfig, type LoraPair, type LoraTarget } from './lora.ts';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
const PREFIX = 'base_model.model.';

export class PeftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeftError';
  }
}

export function peftTensorName(path: string, which: 'A' | 'B'): string {
  return `${PREFIX}${path}.lora_${which}.weight`;
}

/** adapter_config.json as PEFT writes it (fields PEFT ≥ 0.10 reads). */
export function peftConfigJson(a: LoraAdapter, baseModel = ''): Record<string, unknown> {
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: a.config.layers ?? null,
    lora_alpha: a.config.alpha,
    lora_dropout: 0.0,
    modules_to_save: null,
    peft_type: 'LORA',
    r: a.config.r,
    rank_pattern: {},
    revision: null,
    target_modules: [...a.config.targets],
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: a.config.useRslora ?? false,
  };
}

/** The two files of a PEFT adapter directory (float32 tensors). */
export function serializePeft(a: LoraAdapter, baseModel = ''): { configJson: string; safetensors: Uint8Array } {
  const tensors = new Map<string, SafeTensorInput>();
  const r = a.config.r;
  for (const [path, m] of a.modules) {
    tensors.set(peftTensorName(path, 'A'), { dtype: 'F32', shape: [r, m.inF], data: Float32Array.from(m.A) });
    tensors.set(peftTensorName(path, 'B'), { dtype: 'F32', shape: [m.outF, r], data: Float32Array.from(m.B) });
  }
  return {
    configJson: JSON.stringify(peftConfigJson(a, baseModel), null, 2) + '\n',
    safetensors: writeSafetensors(tensors, { format: 'pt' }),
  };
}

function readLoraConfig(json: unknown, model: ModelConfig, where: string): LoraConfig {
  if (!json || typeof json !== 'object') throw new PeftError(`${where}: expected a JSON object`);
  const c = json as Record<string, unknown>;
  if (c.peft_type !== undefined && c.peft_type !== 'LORA') throw new PeftError(`${where}: peft_type "${String(c.peft_type)}" is not supported (only LORA)`);
  const refuse = (key: string, ok: (v: unknown) => boolean, why: string) => {
    if (c[key] !== undefined && c[key] !== null && !ok(c[key])) throw new PeftError(`${where}: "${key}" = ${JSON.stringify(c[key])} is not supported (${why})`);
  };
  const emptyObj = (v: unknown) => typeof v === 'object' && Object.keys(v as object).length === 0;
  refuse('use_dora', (v) => v === false, 'DoRA adapters');
  refuse('fan_in_fan_out', (v) => v === false, 'only nn.Linear layouts');
  refuse('bias', (v) => v === 'none', 'LoRA bias terms');
  refuse('rank_pattern', emptyObj, 'per-module ranks');
  refuse('alpha_pattern', emptyObj, 'per-module alphas');
  refuse('modules_to_save', (v) => Array.isArray(v) && v.length === 0, 'fully trained extra modules');
  const r = c.r;
  const alpha = c.lora_alpha ?? r;
  if (typeof r !== 'number' || typeof alpha !== 'number') throw new PeftError(`${where}: "r" and "lora_alpha" must be numbers`);
  let targets: LoraTarget[];
  const tm = c.target_modules;
  if (Array.isArray(tm)) {
    const bad = tm.filter((t) => typeof t !== 'string' || !isLoraTarget(t));
    if (bad.length) throw new PeftError(`${where}: target module(s) ${JSON.stringify(bad)} not supported (expected among ${LORA_TARGETS.join(', ')})`);
    targets = tm as LoraTarget[];
  } else if (tm === 'all-linear') {
    // PEFT's shorthand for every linear layer except the output head: all seven projections.
    targets = [...LORA_TARGETS];
  } else if (typeof tm === 'string') {
    // PEFT treats a string as a regex over the full module name.
    const re = new RegExp(`^(?:${tm})$`);
    targets = LORA_TARGETS.filter((t) => re.test(modulePath(0, t)) || re.test(t));
    if (!targets.length) throw new PeftError(`${where}: target_modules regex ${JSON.stringify(tm)} matches no q/k/v/o/gate/up/down projection`);
  } else throw new PeftError(`${where}: "target_modules" missing`);
  let layers: number[] | undefined;
  const lt = c.layers_to_transform;
  if (typeof lt === 'number') layers = [lt];
  else if (Array.isArray(lt)) layers = lt as number[];
  const config: LoraConfig = { r, alpha, targets, useRslora: c.use_rslora === true, layers };
  try {
    validateLoraConfig(config, model);
  } catch (e) {
    throw new PeftError(`${where}: ${(e as Error).message}`);
  }
  return config;
}

/** Parses a PEFT adapter for `model`; every tensor's name and shape is checked. */
export function parsePeft(configText: string, weights: Uint8Array, model: ModelConfig, where = 'adapter'): LoraAdapter {
  let json: unknown;
  try {
    json = JSON.parse(configText);
  } catch (e) {
    throw new PeftError(`${where}/${ADAPTER_CONFIG}: not valid JSON (${(e as Error).message})`);
  }
  const config = readLoraConfig(json, model, `${where}/${ADAPTER_CONFIG}`);
  const file = `${where}/${ADAPTER_WEIGHTS}`;
  const { tensors } = parseSafetensors(weights, file);
  const halves = new Map<string, { A?: SafeTensor; B?: SafeTensor; target: LoraTarget }>();
  const savedNames = new Map<string, { A: string; B: string }>();
  const re = /^base_model\.model\.(model\.layers\.(\d+)\.(self_attn|mlp)\.(\w+))\.lora_(A|B)(?:\.default)?\.weight$/;
  for (const [name, t] of tensors) {
    const m = re.exec(name);
    if (!m) throw new PeftError(`${file}: tensor "${name}" is not a LoRA A/B weight of a q/k/v/o/gate/up/down projection`);
    const [, path, layerText, , target, which] = m as unknown as [string, string, string, string, string, 'A' | 'B'];
    if (!isLoraTarget(target) || modulePath(Number(layerText), target) !== path) throw new PeftError(`${file}: tensor "${name}" names an unknown module`);
    if (Number(layerText) >= model.numLayers) throw new PeftError(`${file}: tensor "${name}" is for layer ${layerText} but the model has ${model.numLayers}`);
    const e = halves.get(path) ?? { target };
    e[which] = t;
    halves.set(path, e);
    const names = savedNames.get(path) ?? { A: '', B: '' };
    names[which] = name;
    savedNames.set(path, names);
  }
  if (!halves.size) throw new PeftError(`${file}: no LoRA tensors found`);
  const modules = new Map<string, LoraPair>();
  for (const [path, e] of halves) {
    if (!e.A || !e.B) throw new PeftError(`${file}: module "${path}" has lora_${e.A ? 'A' : 'B'} but no lora_${e.A ? 'B' : 'A'}`);
    if (!config.targets.includes(e.target)) throw new PeftError(`${file}: module "${path}" is not among target_modules ${JSON.stringify(config.targets)}`);
    const [inF, outF] = projectionShape(model, e.target);
    const check = (t: SafeTensor, shape: number[], which: string) => {
      if (t.shape.length !== 2 || t.shape[0] !== shape[0] || t.shape[1] !== shape[1]) {
        throw new PeftError(`${file}: ${peftTensorName(path, which as 'A')} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] (r=${config.r})`);
      }
    };
    check(e.A, [config.r, inF], 'A');
    check(e.B, [outF, config.r], 'B');
    const f64 = (t: SafeTensor, n: string) => Float64Array.from(tensorToFloat32(t, n));
    modules.set(path, { A: f64(e.A, `${path}.lora_A`), B: f64(e.B, `${path}.lora_B`), inF, outF });
  }
  const layers = [...new Set([...modules.keys()].map((p) => Number(p.split('.')[2])))].sort((a, b) => a - b);
  return { config: { ...config, layers: config.layers ?? layers }, scale: loraScale(config), enabled: true, modules, savedNames };
}

// Node-only helpers; variable specifiers keep bundlers from pulling node: modules into the studio.
async function fs(): Promise<typeof import('node:fs/promises')> {
  const m = 'node:fs/promises';
  return (await import(/* @vite-ignore */ m)) as typeof import('node:fs/promises');
}

export async function loadPeftDir(dir: string, model: ModelConfig): Promise<LoraAdapter> {
  const { readFile } = await fs();
  const read = async (f: string) => {
    try {
      return await readFile(`${dir}/${f}`);
    } catch {
      throw new PeftError(`adapter directory "${dir}": cannot read ${f}`);
    }
  };
  const cfg = (await read(ADAPTER_CONFIG)).toString('utf8');
  const w = await read(ADAPTER_WEIGHTS);
  return parsePeft(cfg, new Uint8Array(w.buffer, w.byteOffset, w.byteLength), model, dir);
}

export async function savePeftDir(dir: string, a: LoraAdapter, baseModel = ''): Promise<void> {
  const { mkdir, writeFile } = await fs();
  const { configJson, safetensors } = serializePeft(a, baseModel);
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}/${ADAPTER_CONFIG}`, configJson);
  await writeFile(`${dir}/${ADAPTER_WEIGHTS}`, safetensors);
}

/** W' = W + scale·B·A for every adapted projection, as a new ModelWeights (other tensors shared). */
export function mergeAdapter(weights: ModelWeights, a: LoraAdapter): ModelWeights {
  if (!a.enabled) return weights;
  const tensors = new Map<string, SafeTensor>();
  for (const n of weights.names()) tensors.set(n, weights.raw(n));
  const r = a.config.r;
  for (const [path, m] of a.modules) {
    const name = `${path}.weight`;
    const W = weights.tensor(name);
    for (let o = 0; o < m.outF; o++) {
      for (let i = 0; i < m.inF; i++) {
        let s = 0;
        for (let j = 0; j < r; j++) s += m.B[o * r + j]! * m.A[j * m.inF + i]!;
        W[o * m.inF + i] += a.scale * s;
      }
    }
    tensors.set(name, { dtype: 'F32', shape: [m.outF, m.inF], data: new Uint8Array(W.buffer) });
  }
  return createModelWeights(weights.config, tensors, `${weights.source} + adapter`);
}

/** For `tarl logits --adapter DIR`: the weights with the PEFT adapter at `dir` applied (unchanged when no dir). */
export async function applyAdapterIfAny(weights: ModelWeights, dir: string | undefined): Promise<ModelWeights> {
  if (!dir) return weights;
  return mergeAdapter(weights, await loadPeftDir(dir, weights.config));
}
