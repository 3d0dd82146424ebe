// `tarl train --config FILE [--set key=value ...] [--model DIR] [--out DIR] [--resume DIR]`: the RL
// trainer (GRPO / Dr.GRPO / RLOO) on τ-bench retail + math (or `--task toy`, the toy tool-call
// episode for smoke tests). Metrics go to OUT/metrics.jsonl, checkpoints to OUT/checkpoints/, a
// progress bar to stderr, and one JSON summary line to stdout.
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import type { MetricEvent } from '../../rl/metrics.ts';
import { createNodeRun, loadConfigFile, type TaskFamily } from '../../rl/trainer/node-setup.ts';
import { runTraining } from '../../rl/trainer/run.ts';
import { deviceOption } from './model-options.ts';
import { addEndpointOptions, endpointFrom, type EndpointFlags } from './rollout-options.ts';

interface TrainFlags extends EndpointFlags {
  config?: string;
  set: string[];
  model?: string;
  out?: string;
  resume?: string;
  task: TaskFamily;
  device: 'cpu' | 'webgpu';
  trainDevice: 'cpu' | 'webgpu';
  progress: boolean;
  projector?: string;
}

const fmt = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? '-' : x.toFixed(d));

/** A stderr progress bar fed by metric events (plain lines when stderr is not a terminal). */
export function progressReporter(total: number, start: number, enabled: boolean): { onEvent: (e: MetricEvent) => void; stop: () => void } {
  const tty = enabled && process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar({ stream: process.stderr, format: 'step {value}/{total} |{bar}| reward {reward} success {success} kl {kl} {sps}s/step', hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(total, start, { reward: '-', success: '-', kl: '-', sps: '-' });
  return {
    onEvent: (e) => {
      if (e.type === 'step') {
        const payload = { reward: fmt(e.reward.total.mean), success: fmt(e.successRate, 2), kl: fmt(e.klPerToken, 4), sps: fmt(e.timeMs.total / 1000, 1) };
        if (bar) bar.update(e.step + 1, payload);
        else if (enabled) process.stderr.write(`step ${e.step + 1}/${total} reward ${payload.reward} success ${payload.success} kl ${payload.kl} ${payload.sps}s\n`);
      } else if (e.type === 'eval') {
        const line = `eval @${e.step + 1} ${e.split}: pass^1 ${fmt(e.pass1)} pass^${e.k} ${fmt(e.passK)}\n`;
        if (bar) bar.stop(), process.stderr.write(line), bar.start(total, e.step + 1);
        else if (enabled) process.stderr.write(line);
      } else if ((e.type === 'skip' || e.type === 'stop') && enabled) {
        process.stderr.write(`${e.type} @${e.step + 1}: ${'reason' in e ? e.reason : e.message ?? ''}\n`);
      }
    },
    stop: () => bar?.stop(),
  };
}

export function register(program: Command): void {
  const cmd = addEndpointOptions(addEndpointOptions(
    program
      .command('train')
      .description('RL-train a LoRA adapter (GRPO / Dr.GRPO / RLOO) on τ-bench retail + math; JSON summary on stdout')
      .option('--config <file>', 'training config (JSON; see docs/config.md)')
      .option('--set <pairs...>', 'override config keys: key=value (e.g. reward.mode=terminal lr=1e-5)', [])
      .option('--model <dir>', 'model directory (overrides model.dir)')
      .option('--out <dir>', 'output folder for metrics and checkpoints (default: checkpoint.dir)')
      .option('--resume <dir>', 'continue from a checkpoint (a step-NNNNNN folder, or a run folder: its latest)')
      .addOption(new Option('--task <family>', 'episodes: retail (+ math) or toy (tool-call smoke test)').choices(['retail', 'toy']).default('retail'))
      .addOption(deviceOption())
      .addOption(new Option('--train-device <device>', 'where the training step runs: cpu (float64) or webgpu (GpuTrainer); both resume exactly from checkpoints').choices(['cpu', 'webgpu']).default('cpu'))
      .option('--projector <file>', 'speech runs (speechShare > 0): start from this aligned projector (`tarl align-projector`) instead of a fresh one')
      .option('--no-progress', 'no progress output on stderr'),
    'judge'),
    'user',
  ); // --judge-* / --user-* endpoint flags: used when episode.judge / episode.user is "openai"
  cmd.action(async (o: TrainFlags) => {
      if (!o.config && !o.resume) throw new Error('tarl train needs --config FILE (or --resume DIR)');
      const config = loadConfigFile(o.config, o.resume ? [] : o.set, o.model);
      let progress: ReturnType<typeof progressReporter> | undefined;
      const run = await createNodeRun({
        config, outDir: o.out, resumeDir: o.resume, overrides: o.set, task: o.task, device: o.device, trainDevice: o.trainDevice, projectorFile: o.projector,
        onEvent: (e) => progress?.onEvent(e),
        endpoints: { judge: () => endpointFrom(o, 'judge'), user: () => endpointFrom(o, 'user') },
      });
      const c = run.trainer.config;
      progress = progressReporter(c.steps, run.trainer.nextStep, o.progress && c.log.progress);
      const stopOnSignal = { stop: false };
      const onSigint = () => {
        stopOnSignal.stop = true;
        process.stderr.write('\nstopping after this step (checkpoint follows)...\n');
      };
      process.once('SIGINT', onSigint);
      try {
        const result = await runTraining(run.trainer, { saveCheckpoint: run.saveCheckpoint, shouldStop: () => stopOnSignal.stop });
        progress.stop();
        const steps = run.trainer.events.filter((e): e is Extract<MetricEvent, { type: 'step' }> => e.type === 'step');
        const last = steps.at(-1);
        process.stdout.write(`${JSON.stringify({
          status: result.status, nextStep: result.nextStep, steps: c.steps, out: run.outDir, metrics: run.metricsPath,
          lastStep: last ? { step: last.step, reward: last.reward.total.mean, successRate: last.successRate } : null,
          ...(result.message ? { message: result.message } : {}),
        })}\n`);
        if (result.status === 'non-finite') {
          process.stderr.write(`${result.message}\n`);
          process.exitCode = 3;
        }
      } finally {
        progress.stop();
        process.off('SIGINT', onSigint);
      }
    });
}
