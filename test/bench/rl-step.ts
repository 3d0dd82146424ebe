// `npm run bench -- rl-step [--small] [--device cpu|webgpu] [--train-device cpu|webgpu] [--group 8] [--tasks 1] [--prompt N] [--new-tokens N] [--steps 2]`:
// the time split (rollout / judge / train) of GRPO steps with G rollouts per task on a random model
// — Qwen2.5-0.5B-shaped by default, a small shape with --small (for the CPU / SwiftShader). Episodes
// are the toy tool-call task with stop tokens off, so every rollout generates exactly --new-tokens
// tokens after a --prompt-token prompt. --device picks the rollout backend, --train-device the
// training step (cpu: the float64 LoRA trainer of src/train/cpu; webgpu: GpuTrainer).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend, type DeviceKind } from '../../src/model/backend.ts';
import { loadModelFromDir, writeModelFiles } from '../../src/model/load-node.ts';
import { buildTinyModel } from '../../src/model/tiny.ts';
import { resolveConfig } from '../../src/rl/config.ts';
import { ToyToolSuite } from '../../src/rl/trainer/toy-suite.ts';
import { RlTrainer } from '../../src/rl/trainer/trainer.ts';
import type { StepEvent } from '../../src/rl/metrics.ts';
import type { BenchResult } from './types.ts';
import { createGpuTrainEngine } from '../../src/rl/trainer/engine-gpu.ts';

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const QWEN25_05B = { architecture: 'qwen2' as const, hiddenSize: 896, numLayers: 24, numHeads: 14, numKvHeads: 2, intermediateSize: 4864, vocabSize: 151936 };
const SMALL = { architecture: 'qwen2' as const, hiddenSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 128, vocabSize: 512 };

export default async function (args: string[]): Promise<BenchResult> {
  const small = args.includes('--small');
  const device = flag(args, 'device', 'cpu') as DeviceKind;
  const trainDevice = flag(args, 'train-device', 'cpu') as DeviceKind;
  const G = Number(flag(args, 'group', '8'));
  const tasks = Number(flag(args, 'tasks', '1'));
  const prompt = Number(flag(args, 'prompt', small ? '32' : '128'));
  const newTokens = Number(flag(args, 'new-tokens', small ? '16' : '64'));
  const steps = Number(flag(args, 'steps', '2'));
  const shape = small ? SMALL : QWEN25_05B;
  const dir = mkdtempSync(join(tmpdir(), 'tarl-bench-rl-'));
  await writeModelFiles(dir, buildTinyModel({ ...shape, dtype: small ? 'F32' : 'BF16', eosTokenIds: [shape.vocabSize - 1], seed: 5 }));
  const weights = await loadModelFromDir(dir);
  const config = resolveConfig({
    seed: 1, steps, tasksPerStep: tasks, groupSize: G, lr: 1e-4,
    lora: { r: 16, alpha: 32, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], useRslora: false, layers: null },
    math: { ratio: 0, difficulties: [1], flavor: 'any' }, sampling: { temperature: 1, topP: 1, maxNewTokens: newTokens },
  });
  const suite = new ToyToolSuite({ vocabSize: shape.vocabSize, eosTokenIds: [], promptTokens: prompt });
  const trainer = new RlTrainer({ config, weights, suites: { retail: suite }, makeBackend: (w) => createBackend(w, device),
    makeEngine: trainDevice === 'webgpu' ? (_m, adapter) => createGpuTrainEngine(weights, adapter) : undefined,
  });
  const rows: Record<string, string | number>[] = [];
  const events: StepEvent[] = [];
  for (let s = 0; s < steps; s++) {
    const { event: e } = await trainer.step();
    events.push(e);
    rows.push({
      step: s, rollout_ms: Math.round(e.timeMs.rollout), judge_ms: Math.round(e.timeMs.judge), train_ms: Math.round(e.timeMs.train), total_ms: Math.round(e.timeMs.total),
      rollout_tok_s: Number((e.tokensPerSecond.rollout ?? 0).toFixed(1)), step_tok_s: Number((e.tokensPerSecond.step ?? 0).toFixed(1)),
    });
  }
  const last = events.at(-1)!;
  return {
    name: `rl-step (GRPO, G=${G}, ${tasks} task(s), prompt ${prompt} + ${newTokens} new tokens, ${small ? 'small' : 'Qwen2.5-0.5B'} shape, rollouts on ${device}, training on ${trainDevice})`,
    rows,
    summary: { device, trainDevice, shape: small ? 'small' : 'qwen2.5-0.5b', group: G, tasks, prompt, newTokens, timeMs: last.timeMs, tokensPerSecond: last.tokensPerSecond },
  };
}
