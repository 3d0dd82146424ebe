// `tarl eval --model DIR [--adapter DIR] --split dev --user scripted|openai|local --trials n --k k [--greedy]`:
// policy episodes on τ-bench retail (or `--task toy`, or `--task spoken --modality text|speech
// --projector FILE`: the spoken-intent suite read or heard), pass^1 … pass^k over tasks. A per-task table
// goes to stderr; stdout gets one JSON line {split, tasks, trials, k, pass1, passK, passCurve, ...}.
import { Option, type Command } from 'commander';
import { createBackend } from '../../model/backend.ts';
import { loadModelFromDir } from '../../model/load-node.ts';
import { resolveConfig } from '../../rl/config.ts';
import { aggregateEval, type EvalTrial } from '../../rl/metrics.ts';
import { buildSuites, nodeSpeech, type TaskFamily } from '../../rl/trainer/node-setup.ts';
import { applyAdapterIfAny, deviceOption } from './model-options.ts';
import { addEndpointOptions, endpointFrom, type EndpointFlags } from './rollout-options.ts';

interface EvalFlags extends EndpointFlags {
  model: string;
  adapter?: string;
  split: string;
  user: string;
  trials: string;
  k: string;
  greedy?: boolean;
  temperature: string;
  maxTasks?: string;
  maxTurns: string;
  maxNewTokens: string;
  seed: string;
  task: TaskFamily;
  device: 'cpu' | 'webgpu';
  modality: 'text' | 'speech';
  projector?: string;
}

function int(v: string, name: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: "${v}" is not an integer >= ${min}`);
  return n;
}

export function register(program: Command): void {
  addEndpointOptions(program
    .command('eval')
    .description('evaluate a policy (model + optional LoRA adapter) on held-out tasks: pass^1 and pass^k (JSON line on stdout)')
    .requiredOption('--model <dir>', 'model directory')
    .option('--adapter <dir>', 'PEFT LoRA adapter directory (e.g. a checkpoint\'s adapter/)')
    .option('--split <split>', 'train | dev | test', 'dev')
    .addOption(new Option('--user <kind>', 'user simulator: scripted, openai (--user-* endpoint flags) or local (the base model, no adapter)').choices(['scripted', 'openai', 'local']).default('scripted'))
    .option('--trials <n>', 'episodes per task', '4')
    .option('--k <k>', 'pass^k to report (k <= trials)', '4')
    .option('--greedy', 'argmax decoding (temperature 0)')
    .option('--temperature <t>', 'sampling temperature (ignored with --greedy)', '0.7')
    .option('--max-tasks <n>', 'evaluate only the first n tasks of the split')
    .option('--max-turns <n>', 'agent turns per episode at most', '30')
    .option('--max-new-tokens <n>', 'policy tokens per turn at most', '512')
    .option('--seed <n>', 'sampling seed (task i uses seed + 1000·i + trial)', '0')
    .addOption(new Option('--task <family>', 'episodes: retail, toy or spoken (the spoken-intent suite)').choices(['retail', 'toy', 'spoken']).default('retail'))
    .addOption(new Option('--modality <m>', 'customer turns read (text) or heard (speech: the suite must have speech episodes)').choices(['text', 'speech']).default('text'))
    .option('--projector <file>', 'the policy\'s audio projector (projector.safetensors from a speech run\'s checkpoint or from `tarl speech-ablate`)')
    .addOption(deviceOption()), 'user')
    .action(async (o: EvalFlags) => {
      const trials = int(o.trials, '--trials', 1);
      const k = int(o.k, '--k', 1);
      if (k > trials) throw new Error(`--k (${k}) must be <= --trials (${trials})`);
      const temperature = o.greedy ? 0 : Number(o.temperature);
      if (!(temperature >= 0)) throw new Error(`--temperature: "${o.temperature}" is not a non-negative number`);
      const base = await loadModelFromDir(o.model);
      const config = resolveConfig({ model: { dir: o.model }, episode: { maxTurns: int(o.maxTurns, '--max-turns', 1), user: o.user, judge: 'reference' } });
      if (o.modality === 'speech' && !o.projector) throw new Error('--modality speech needs --projector FILE (the policy\'s trained audio projector)');
      const speech = o.projector ? await nodeSpeech(config, base.config.hiddenSize, o.projector) : undefined;
      const suites = await buildSuites(config, base, o.task, o.device, { user: () => endpointFrom(o, 'user') }, speech);
      if (o.modality === 'speech' && !suites.retail.speech) throw new Error(`--modality speech: the ${suites.retail.name} suite has no speech episodes (use --task spoken)`);
      const backend = await createBackend(await applyAdapterIfAny(base, o.adapter), o.device);
      let ids = suites.retail.taskIds(o.split);
      if (o.maxTasks !== undefined) ids = ids.slice(0, int(o.maxTasks, '--max-tasks', 1));
      if (!ids.length) throw new Error(`split "${o.split}" has no tasks`);
      const all: EvalTrial[] = [];
      const rows: string[] = [];
      const seed = int(o.seed, '--seed', 0);
      try {
        for (const [i, taskId] of ids.entries()) {
          const g = await suites.retail.runGroup({ kind: 'retail', taskId, epoch: 0, speech: o.modality === 'speech' }, o.split, trials, {
            backend, temperature, topP: 1, maxNewTokens: int(o.maxNewTokens, '--max-new-tokens', 1), seed: seed + 1000 * i,
          });
          const ok = g.map((t) => (t.verifier?.reward ?? 0) >= 1);
          g.forEach((t, j) => all.push({ taskId, success: ok[j]!, reward: t.verifier?.reward ?? 0 }));
          rows.push(`${taskId.padEnd(12)} ${ok.map((x) => (x ? '✓' : '·')).join('')}  ${ok.filter(Boolean).length}/${trials}`);
          process.stderr.write(`${rows.at(-1)}\n`);
        }
      } finally {
        backend.dispose();
      }
      const e = aggregateEval(0, o.split, all, k);
      process.stderr.write(`\n${'k'.padEnd(6)}${e.passCurve.map((_, i) => String(i + 1).padStart(8)).join('')}\n${'pass^k'.padEnd(6)}${e.passCurve.map((p) => p.toFixed(3).padStart(8)).join('')}\n`);
      process.stdout.write(`${JSON.stringify({ split: o.split, tasks: e.tasks, trials, k, pass1: e.pass1, passK: e.passK, passCurve: e.passCurve, rewardMean: e.rewardMean, greedy: Boolean(o.greedy), adapter: o.adapter ?? null, modality: o.modality })}\n`);
    });
}
