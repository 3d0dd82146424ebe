// `tarl speech-ablate --out DIR`: TARL's speech-vs-text comparison on the spoken-intent suite with a
// tiny policy (src/rl/trainer/speech-ablation.ts): text RL → projector alignment (gated by the
// listener's listening test) → text-only RL vs speech RL (multimodal warm-up) from one checkpoint,
// both evaluated on held-out tasks heard and read. Writes DIR/report.json, DIR/README.md, the policy
// base model (DIR/model) and each arm's adapter + projector, so `tarl eval --task spoken --modality
// speech` can re-check them. One JSON line on stdout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadModelFromDir, writeModelFiles } from '../../model/load-node.ts';
import { buildTinyModel } from '../../model/tiny.ts';
import type { EvalEvent } from '../../rl/metrics.ts';
import { runSpeechAblation, type SpeechAblationReport } from '../../rl/trainer/speech-ablation.ts';
import { createNodeHearing } from '../../speech/hearing-node.ts';
import { addListeningGateOptions, listeningGateFrom } from '../../speech/listening-gate-node.ts';
import { parseNumber } from '../options.ts';
import { serializePeft } from '../../train/peft.ts';

interface Flags {
  out: string;
  textSteps: string; armSteps: string; alignSteps: string; tasks: string; group: string; tasksPerStep: string;
  speechShare: string; warmup: string; projectorLrMultiplier: string; evalK: string; lr: string; seed: string;
  listening: string; gateKinds: string; threshold: string;
}


const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function readme(r: SpeechAblationReport, f: Flags, rates: Record<string, number>): string {
  const row = (name: string, e: { speech: EvalEvent; text: EvalEvent }) => `| ${name} | ${pct(e.speech.pass1)} | ${pct(e.text.pass1)} | ${e.text.pass1 > 0 ? pct(e.speech.pass1 / e.text.pass1) : '–'} |`;
  const a = r.alignment;
  return [
    '# Speech RL vs text-only RL (spoken-intent suite, tiny policy)', '',
    `Made by \`tarl speech-ablate\` in ${(r.ms / 1000).toFixed(0)} s: ${f.tasks} training and ${f.tasks} held-out tasks, G = ${f.group}, ${f.tasksPerStep} tasks per step, ${f.textSteps} text-RL steps, `
      + `${f.alignSteps} alignment steps, then ${f.armSteps} steps per arm from the same checkpoint (speech RL: share 0 → ${f.speechShare} over ${f.warmup} steps, projector lr × ${f.projectorLrMultiplier}). `
      + `Held-out evaluation: pass^1 over ${f.evalK} trials per task, every customer turn heard (speech) or read (text). Listening gate: ${Object.entries(rates).map(([k, v]) => `${k} ${pct(v)}`).join(', ')} ≥ ${pct(Number(f.threshold))}.`, '',
    '| policy | speech pass^1 | text pass^1 | voice/text retention |', '|---|---|---|---|',
    row('after text RL (projector untrained)', r.afterTextRl),
    row('after alignment', r.afterAlignment),
    ...r.arms.map((x) => row(x.arm, x)), '',
    `Alignment: KL ${a.klFirst.toFixed(3)} → ${a.klLast.toFixed(3)} (training batch), held-out KL ${a.heldOutKlBefore.toFixed(3)} → ${a.heldOutKlAfter.toFixed(3)}, `
      + `first-token agreement with the text-reading teacher ${pct(a.agreementBefore)} → ${pct(a.agreementAfter)}.`, '',
  ].join('\n');
}

export function register(program: Command): void {
  const cmd = program
    .command('speech-ablate')
    .description('speech RL vs text-only RL on the spoken-intent suite (tiny policy): text RL, projector alignment, two arms, evaluation heard and read')
    .requiredOption('--out <dir>', 'output directory')
    .option('--text-steps <n>', 'text RL steps before alignment', '60')
    .option('--arm-steps <n>', 'RL steps per arm after alignment', '120')
    .option('--align-steps <n>', 'projector alignment steps', '300')
    .option('--tasks <n>', 'training tasks (as many held out)', '32')
    .option('--group <n>', 'rollouts per task (G)', '8')
    .option('--tasks-per-step <n>', 'tasks per RL step', '4')
    .option('--speech-share <x>', 'speech share after the warm-up (speech RL arm)', '0.5')
    .option('--warmup <n>', 'multimodal warm-up: steps over which the speech share ramps up', '30')
    .option('--projector-lr-multiplier <x>', "projector learning rate = lr × this (0.03: the alignment's scale, 9e-4, at lr 0.03)", '0.03')
    .option('--eval-k <n>', 'trials per held-out task', '4')
    .option('--lr <x>', 'LoRA learning rate', '0.03')
    .option('--seed <n>', 'seed', '7');
  addListeningGateOptions(cmd);
  cmd.action(async (f: Flags) => {
      const int = (v: string, n: string, min = 1) => parseNumber(v, n, { int: true, min });
      const gate = listeningGateFrom(f);
      const rates = gate.rates;
      const seed = int(f.seed, '--seed', 0);
      const modelDir = join(f.out, 'model');
      await writeModelFiles(modelDir, buildTinyModel({ architecture: 'qwen2', vocabSize: 32, hiddenSize: 48, numHeads: 2, numKvHeads: 1, intermediateSize: 64, numLayers: 1, eosTokenIds: [31], seed }));
      const weights = await loadModelFromDir(modelDir);
      const { hearing, encoder } = await createNodeHearing();
      const r = await runSpeechAblation({
        weights, hearing, encoderDim: encoder.dim, gate,
        tasks: int(f.tasks, '--tasks'), groupSize: int(f.group, '--group', 2), tasksPerStep: int(f.tasksPerStep, '--tasks-per-step'),
        textSteps: int(f.textSteps, '--text-steps', 0), armSteps: int(f.armSteps, '--arm-steps'), alignSteps: int(f.alignSteps, '--align-steps'),
        speechShare: parseNumber(f.speechShare, '--speech-share', { min: 0 }), warmupSteps: int(f.warmup, '--warmup'),
        projectorLrMultiplier: parseNumber(f.projectorLrMultiplier, '--projector-lr-multiplier', { min: 0 }), evalK: int(f.evalK, '--eval-k'),
        lr: parseNumber(f.lr, '--lr', { min: 0 }), seed,
        onEvent: (arm, e) => {
          if (e.type === 'step') process.stderr.write(`${arm} step ${e.step}: success ${e.successRate.toFixed(2)}${e.byKind.speech ? ` (speech ${e.byKind.speech.successRate.toFixed(2)})` : ''}\n`);
        },
        onAlign: (s) => s.step % 10 === 0 && process.stderr.write(`alignment step ${s.step}: KL ${s.kl.toFixed(4)}\n`),
      });
      for (const arm of r.arms) {
        const dir = join(f.out, 'arms', arm.arm.toLowerCase().replace(/[^a-z]+/g, '-'));
        mkdirSync(join(dir, 'adapter'), { recursive: true });
        const peft = serializePeft(arm.adapter, modelDir);
        writeFileSync(join(dir, 'adapter', 'adapter_config.json'), peft.configJson);
        writeFileSync(join(dir, 'adapter', 'adapter_model.safetensors'), peft.safetensors);
        writeFileSync(join(dir, 'projector.safetensors'), arm.projector);
      }
      const summary = (e: { speech: EvalEvent; text: EvalEvent }) => ({ speechPass1: e.speech.pass1, textPass1: e.text.pass1 });
      const json = {
        afterTextRl: summary(r.afterTextRl), alignment: r.alignment, afterAlignment: summary(r.afterAlignment),
        arms: r.arms.map((a) => ({ arm: a.arm, ...summary(a), meanSpeechShare: a.meanSpeechShare })), listening: rates, ms: r.ms,
      };
      writeFileSync(join(f.out, 'report.json'), `${JSON.stringify(json, null, 1)}\n`);
      writeFileSync(join(f.out, 'README.md'), readme(r, f, rates));
      process.stdout.write(`${JSON.stringify(json)}\n`);
    });
}
