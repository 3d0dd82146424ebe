// `tarl ablate --config FILE --vary reward.mode=terminal,trajectory,turn --seeds 3`: trains every
// variant (each --vary key's values, crossed) with seeds seed … seed+n−1, each in its own folder
// under --out, and prints a side-by-side table (stderr) of final success, pass^1 and the reward
// curve, plus one JSON line with every run's numbers (stdout).
import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { applyOverrides } from '../../rl/config.ts';
import type { EvalEvent, MetricEvent, StepEvent } from '../../rl/metrics.ts';
import { createNodeRun, loadConfigFile, type TaskFamily } from '../../rl/trainer/node-setup.ts';
import { runTraining } from '../../rl/trainer/run.ts';
import { deviceOption } from './model-options.ts';
import { addEndpointOptions, endpointFrom, type EndpointFlags } from './rollout-options.ts';

interface AblateFlags extends EndpointFlags {
  config?: string;
  vary: string[];
  seeds: string;
  set: string[];
  model?: string;
  out: string;
  task: TaskFamily;
  device: 'cpu' | 'webgpu';
  finalSteps: string;
}

/** ["a=1,2", "b=x,y"] → [["a=1","b=x"], ["a=1","b=y"], ...] */
export function variantsOf(vary: readonly string[]): string[][] {
  let out: string[][] = [[]];
  for (const v of vary) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new Error(`--vary "${v}": expected key=value1,value2,...`);
    const key = v.slice(0, eq);
    const values = v.slice(eq + 1).split(',').map((s) => s.trim()).filter(Boolean);
    if (values.length === 0) throw new Error(`--vary "${v}": no values`);
    out = out.flatMap((prefix) => values.map((x) => [...prefix, `${key}=${x}`]));
  }
  return out;
}

const SPARK = '▁▂▃▄▅▆▇█';
function sparkline(xs: readonly number[]): string {
  if (!xs.length) return '';
  const lo = Math.min(...xs), hi = Math.max(...xs);
  return xs.map((x) => SPARK[hi > lo ? Math.round(((x - lo) / (hi - lo)) * 7) : 0]).join('');
}
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

export function register(program: Command): void {
  const cmd = addEndpointOptions(addEndpointOptions(
    program
      .command('ablate')
      .description('train variants of a config across seeds and compare them side by side (JSON line on stdout)')
      .option('--config <file>', 'base training config (JSON)')
      .requiredOption('--vary <spec...>', 'key=v1,v2,... (several --vary are crossed)')
      .option('--seeds <n>', 'seeds per variant (config seed, +1, ...)', '3')
      .option('--set <pairs...>', 'overrides applied to every variant', [])
      .option('--model <dir>', 'model directory (overrides model.dir)')
      .option('--out <dir>', 'parent folder of the runs', 'runs/ablate')
      .option('--final-steps <n>', 'steps averaged for the final success rate', '5')
      .addOption(new Option('--task <family>', 'episodes: retail (+ math) or toy').choices(['retail', 'toy']).default('retail'))
      .addOption(deviceOption()),
    'judge'),
    'user',
  ); // --judge-* / --user-* endpoint flags: used when episode.judge / episode.user is "openai"
  cmd
    .action(async (o: AblateFlags) => {
      const base = loadConfigFile(o.config, o.set, o.model);
      const seeds = Number(o.seeds);
      if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`--seeds: "${o.seeds}" is not a positive integer`);
      const lastN = Math.max(1, Number(o.finalSteps) || 5);
      const variants = variantsOf(o.vary);
      // Validate every variant before training anything.
      const configs = variants.map((v) => applyOverrides(base, v));
      const results: { variant: string; seed: number; finalSuccess: number; finalReward: number; pass1: number | null; curve: number[]; status: string }[] = [];
      for (const [vi, v] of variants.entries()) {
        for (let j = 0; j < seeds; j++) {
          const seed = base.seed + j;
          const name = `${v.join(',').replace(/[^\w.=,-]/g, '_')}-seed${seed}`;
          process.stderr.write(`[${results.length + 1}/${variants.length * seeds}] ${v.join(' ')} seed ${seed}\n`);
          const run = await createNodeRun({
            config: { ...configs[vi]!, seed }, outDir: join(o.out, name), task: o.task, device: o.device,
            endpoints: { judge: () => endpointFrom(o, 'judge'), user: () => endpointFrom(o, 'user') },
          });
          const r = await runTraining(run.trainer, { saveCheckpoint: run.saveCheckpoint });
          const events: MetricEvent[] = run.trainer.events;
          const steps = events.filter((e): e is StepEvent => e.type === 'step');
          let evals = events.filter((e): e is EvalEvent => e.type === 'eval');
          if (!evals.length && r.status === 'finished') evals = [await run.trainer.evaluate(run.trainer.nextStep - 1)];
          results.push({
            variant: v.join(' '), seed, status: r.status,
            finalSuccess: mean(steps.slice(-lastN).map((s) => s.successRate)),
            finalReward: mean(steps.slice(-lastN).map((s) => s.reward.total.mean)),
            pass1: evals.at(-1)?.pass1 ?? null,
            curve: steps.map((s) => s.successRate),
          });
        }
      }
      const header = `${'variant'.padEnd(32)} ${'success'.padStart(8)} ${'±'.padStart(6)} ${'pass^1'.padStart(8)} ${'reward'.padStart(8)}  success curve (seed mean)`;
      const lines = variants.map((v) => {
        const rs = results.filter((r) => r.variant === v.join(' '));
        const succ = rs.map((r) => r.finalSuccess);
        const m = mean(succ);
        const sd = Math.sqrt(mean(succ.map((x) => (x - m) ** 2)));
        const p1 = rs.map((r) => r.pass1).filter((x): x is number => x !== null);
        const len = Math.max(...rs.map((r) => r.curve.length));
        const curve = Array.from({ length: len }, (_, t) => mean(rs.map((r) => r.curve[t]).filter((x): x is number => x !== undefined)));
        return `${v.join(' ').padEnd(32)} ${m.toFixed(3).padStart(8)} ${sd.toFixed(3).padStart(6)} ${(p1.length ? mean(p1).toFixed(3) : '-').padStart(8)} ${mean(rs.map((r) => r.finalReward)).toFixed(3).padStart(8)}  ${sparkline(curve)}`;
      });
      process.stderr.write(`\n${header}\n${lines.join('\n')}\n`);
      process.stdout.write(`${JSON.stringify({ variants: variants.map((v) => v.join(' ')), seeds, runs: results })}\n`);
    });
}
