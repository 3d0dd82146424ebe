// `tarl align-projector --model DIR [--adapter DIR] --out FILE`: the alignment stage of a speech policy
// on τ-bench conversations. Oracle demonstrations of train tasks give the customer turns; for each one
// the policy reading the text is the teacher of the policy hearing the audio (src/speech/align.ts),
// and only the projector trains. Gated by the listener's listening test. The projector it writes is
// what `tarl train --projector FILE` (speechShare > 0) starts RL from. One JSON line on stdout.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ToolSchema } from '../../model/chat-template.ts';
import { directorySource, loadModelFromDir } from '../../model/load-node.ts';
import { loadTokenizer } from '../../model/tokenizer.ts';
import { oracleTrajectories } from '../../model/default/demos.ts';
import { resolveConfig } from '../../rl/config.ts';
import { nodeSpeech } from '../../rl/trainer/node-setup.ts';
import { retailTaskId } from '../../rl/trainer/retail-suite.ts';
import { loadToolSchemas } from '../../rollout/node-data.ts';
import { alignProjector } from '../../speech/align.ts';
import { chatAlignExamples } from '../../speech/align-chat.ts';
import { addListeningGateOptions, listeningGateFrom } from '../../speech/listening-gate-node.ts';
import { parseNumber } from '../options.ts';
import { audioMarkers } from '../../speech/markers.ts';
import { trainModelFromWeights } from '../../train/cpu/params.ts';
import { applyAdapterIfAny } from './model-options.ts';

interface Flags {
  model: string; adapter?: string; out: string; projector?: string; tasks: string; heldOut: string; steps: string; batch: string; lr: string;
  maxTurnTokens: string; withSystemPrompt?: boolean; preset: 'clean' | 'telephone'; seed: string; listening: string; gateKinds: string; threshold: string;
}


export function register(program: Command): void {
  const cmd = program
    .command('align-projector')
    .description("speech alignment stage: train the audio projector so the policy hearing a customer turn acts as it does reading it (τ-bench oracle conversations, gated by the listening test)")
    .requiredOption('--model <dir>', 'policy model directory')
    .option('--adapter <dir>', 'PEFT LoRA adapter of the policy (merged; it stays frozen)')
    .requiredOption('--out <file>', 'where to write the projector (safetensors)')
    .option('--projector <file>', 'continue from this projector instead of a fresh one')
    .option('--tasks <n>', 'train tasks whose oracle conversations give the training turns', '20')
    .option('--held-out <n>', 'further train tasks whose turns measure held-out agreement', '5')
    .option('--steps <n>', 'optimizer steps', '100')
    .option('--batch <n>', 'customer turns per step', '4')
    .option('--lr <x>', 'projector learning rate', '1e-3')
    .option('--max-turn-tokens <n>', "length of the teacher's next assistant turn", '16')
    .option('--with-system-prompt', 'keep the policy instructions and tool schemas in the prompts (≈ 4.5k tokens each: slow on the CPU)')
    .option('--preset <p>', 'customer speech: clean or telephone', 'clean')
    .option('--seed <n>', 'seed of a fresh projector', '0');
  addListeningGateOptions(cmd);
  cmd.action(async (f: Flags) => {
      const gate = listeningGateFrom(f);
      if (f.preset !== 'clean' && f.preset !== 'telephone') throw new Error(`--preset: "${f.preset}" is not clean or telephone`);
      const weights = await applyAdapterIfAny(await loadModelFromDir(f.model), f.adapter);
      const tokenizer = await loadTokenizer(directorySource(f.model));
      const markers = audioMarkers(tokenizer);
      const config = resolveConfig({ seed: parseNumber(f.seed, '--seed', { min: 0, int: true }), speech: { preset: f.preset, projectorLrMultiplier: 1 } });
      const { hearing, projector } = await nodeSpeech(config, weights.config.hiddenSize, f.projector);
      const nTrain = parseNumber(f.tasks, '--tasks', { min: 1, int: true });
      const nHeld = parseNumber(f.heldOut, '--held-out', { min: 0, int: true });
      const demos = await oracleTrajectories(nTrain + nHeld);
      const examples = async (from: number, to: number) => chatAlignExamples({
        tokenizer, markers, projector, hearing, tools: loadToolSchemas() as ToolSchema[], withSystemPrompt: Boolean(f.withSystemPrompt),
        conversations: demos.slice(from, to).map((t) => ({ taskId: retailTaskId(t.task), turns: t.turns })),
      });
      const train = await examples(0, nTrain);
      const heldOut = await examples(nTrain, nTrain + nHeld);
      process.stderr.write(`alignment: ${train.length} training and ${heldOut.length} held-out customer turns (${Math.round(train.reduce((s, e) => s + e.speech.tokens.length, 0) / Math.max(1, train.length))} tokens per speech prompt on average)\n`);
      const report = await alignProjector({
        model: trainModelFromWeights(weights), adapter: null, projector, train, heldOut, gate,
        steps: parseNumber(f.steps, '--steps', { min: 1, int: true }), batchSize: parseNumber(f.batch, '--batch', { min: 1, int: true }), lr: parseNumber(f.lr, '--lr', { min: 0 }),
        maxTurnTokens: parseNumber(f.maxTurnTokens, '--max-turn-tokens', { min: 1, int: true }), eosTokenIds: weights.config.eosTokenIds,
        onStep: (s) => s.step % 10 === 0 && process.stderr.write(`alignment step ${s.step}: KL ${s.kl.toFixed(4)} (${(s.ms / 1000).toFixed(1)} s)\n`),
      });
      writeFileSync(f.out, projector.toSafetensors());
      process.stdout.write(`${JSON.stringify({ out: f.out, trainTurns: train.length, heldOutTurns: heldOut.length, listening: gate.rates, ...report })}\n`);
    });
}
