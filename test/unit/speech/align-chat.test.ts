// The alignment stage on chat conversations (the retail path): oracle demonstrations give customer
// turns; each becomes a text prompt and a speech prompt (every customer turn so far heard, at the
// tokenizer's audio markers); the projector alone learns to make the hearing policy match the reading one.
import { describe, expect, it } from 'vitest';
import type { ToolSchema } from '../../../src/model/chat-template.ts';
import { oracleTrajectories } from '../../../src/model/default/demos.ts';
import { directorySource, loadModelFromDir } from '../../../src/model/load-node.ts';
import { loadTokenizer } from '../../../src/model/tokenizer.ts';
import { resolveConfig } from '../../../src/rl/config.ts';
import { nodeSpeech } from '../../../src/rl/trainer/node-setup.ts';
import { loadToolSchemas } from '../../../src/rollout/node-data.ts';
import type { UserTurn } from '../../../src/rollout/trajectory.ts';
import { alignProjector } from '../../../src/speech/align.ts';
import { chatAlignExamples } from '../../../src/speech/align-chat.ts';
import { audioMarkers, findAudioSlots } from '../../../src/speech/markers.ts';
import { trainModelFromWeights } from '../../../src/train/cpu/params.ts';
import { runCli } from '../../helpers/cli.ts';

const MODEL = 'public/models/tarl-qwen3-small';

describe('alignment on τ-bench conversations', () => {
  it('builds text and speech prompts per customer turn, and the projector learns to make hearing match reading', async () => {
    const weights = await loadModelFromDir(MODEL);
    const tokenizer = await loadTokenizer(directorySource(MODEL));
    const markers = audioMarkers(tokenizer);
    const { hearing, projector } = await nodeSpeech(resolveConfig({ seed: 2 }), weights.config.hiddenSize);
    const [demo] = await oracleTrajectories(1);
    const customers = demo!.turns.filter((t): t is UserTurn => t.role === 'user' && !t.text.includes('###STOP###'));
    const examples = await chatAlignExamples({
      tokenizer, markers, projector, hearing, tools: loadToolSchemas() as ToolSchema[], withSystemPrompt: false,
      conversations: [{ taskId: 'train#0', turns: demo!.turns }],
    });
    expect(examples).toHaveLength(customers.length);
    examples.forEach((e, k) => {
      // the k-th turn's speech prompt hears all k + 1 customer turns so far, and none of their words
      expect(e.speech.slots).toHaveLength(k + 1);
      expect(findAudioSlots(e.speech.tokens, markers).map((s) => s.count)).toEqual(e.speech.slots.map((s) => s.count));
      expect(tokenizer.decode(e.speech.tokens)).not.toContain(customers[k]!.text.slice(0, 20));
      expect(tokenizer.decode(e.text)).toContain(customers[k]!.text.slice(0, 20));
      expect(findAudioSlots(e.text, markers)).toEqual([]);
    });
    // every turn in each batch: the steps see the same turns, so the KL must fall
    const r = await alignProjector({
      model: trainModelFromWeights(weights), adapter: null, projector, train: examples, heldOut: examples.slice(0, 1),
      steps: 4, batchSize: examples.length, lr: 3e-3, maxTurnTokens: 4, eosTokenIds: weights.config.eosTokenIds, gate: { rates: { order: 0.99 }, threshold: 0.9 },
    });
    expect(r.klLast).toBeLessThan(r.klFirst);
  }, 240_000);

  it('tarl align-projector and tarl train --projector are on the command line', () => {
    expect(runCli(['align-projector', '--help']).stdout).toMatch(/--with-system-prompt[\s\S]*--gate-kinds/);
    expect(runCli(['train', '--help']).stdout).toMatch(/--projector <file>/);
  });
});
