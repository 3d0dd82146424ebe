// Speech episodes in the chat-template path: a τ-bench retail episode with the shipped small Qwen3
// policy where the customer's turns are heard (espeak-ng → listener → projector), spliced at the
// tokenizer's audio markers; the training engine re-splices them and recomputes exactly the sampling
// log-probs, the projector comes back from the checkpoint files, and the inspector replays each heard
// turn from what the trajectory records.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../../src/model/cpu/backend.ts';
import { directorySource, loadModelFromDir } from '../../../src/model/load-node.ts';
import { loadTokenizer } from '../../../src/model/tokenizer.ts';
import { resolveConfig } from '../../../src/rl/config.ts';
import { CheckpointableAdamW } from '../../../src/rl/trainer/adamw-state.ts';
import { CpuTrainEngine } from '../../../src/rl/trainer/engine.ts';
import { nodeSpeech } from '../../../src/rl/trainer/node-setup.ts';
import { RetailSuite } from '../../../src/rl/trainer/retail-suite.ts';
import { retailEnvironment, sandboxData } from '../../../src/rollout/retail-env.ts';
import { ScriptedUser } from '../../../src/rollout/users/scripted.ts';
import { SpeechTrainEngine } from '../../../src/rl/trainer/speech-engine.ts';
import { loadRetailData, loadTasks, loadToolSchemas } from '../../../src/rollout/node-data.ts';
import { parseTrajectory, serializeTrajectory } from '../../../src/rollout/trajectory.ts';
import { heardRequest } from '../../../src/studio/rollouts/heard-replay.ts';
import { Transcript } from '../../../src/studio/rollouts/Transcript.tsx';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { audioMarkers, findAudioSlots, markerText } from '../../../src/speech/markers.ts';
import { AudioProjector } from '../../../src/speech/projector.ts';
import { trainModelFromWeights } from '../../../src/train/cpu/params.ts';
import { createLora } from '../../../src/train/lora.ts';
import { loraParams } from '../../../src/train/optimizer.ts';

const MODEL = 'public/models/tarl-qwen3-small';

describe('audio markers', () => {
  it("a Qwen3 tokenizer reuses its reserved vision markers, each one id; slots are found and checked", async () => {
    const tok = await loadTokenizer(directorySource(MODEL));
    const m = audioMarkers(tok);
    expect([m.bos.text, m.pad.text, m.eos.text]).toEqual(['<|vision_start|>', '<|vision_pad|>', '<|vision_end|>']);
    const ids = tok.encode(`hi ${markerText(m, 3)} and ${markerText(m, 1)}`);
    expect(findAudioSlots(ids, m)).toEqual([{ bos: ids.indexOf(m.bos.id), count: 3 }, { bos: ids.lastIndexOf(m.bos.id), count: 1 }]);
    expect(() => findAudioSlots([m.bos.id, m.pad.id], m)).toThrow(/not closed by <\|vision_end\|>/);
    expect(() => audioMarkers({ tokenId: () => undefined, encode: () => [] })).toThrow(/speech turns need three special tokens/);
  });
});

describe('a spoken retail episode', () => {
  it('hears every customer turn, records the slots, and training re-splices them to the sampling log-probs', async () => {
    const weights = await loadModelFromDir(MODEL);
    const config = resolveConfig({ model: { dir: MODEL }, seed: 4, speechShare: 0.5 });
    const speech = await nodeSpeech(config, weights.config.hiddenSize);
    const tok = await loadTokenizer(directorySource(MODEL));
    const m = audioMarkers(tok);
    // The real suite with a short system turn and one tool (the wiki's 4.5k tokens are too slow for a CPU test).
    const sandbox = await sandboxData();
    const suite = new RetailSuite({
      tokenizer: tok, loadTasks, systemPrompt: 'You are a retail agent.', tools: loadToolSchemas().slice(0, 1), db: loadRetailData(),
      makeEnv: (t) => retailEnvironment(sandbox, t, { checkOutputs: false }), makeUser: () => new ScriptedUser(), maxTurns: 2, enableThinking: false,
      speech: { hearing: speech.hearing, projector: speech.projector, markers: m },
    });
    expect(suite.speech).toBe(true);
    const task = loadTasks('dev')[0]!;
    const group = await suite.runGroup({ kind: 'retail', taskId: `dev#${task.index}`, epoch: 0, speech: true }, 'dev', 2, {
      backend: new CpuBackend(weights), temperature: 1, topP: 1, maxNewTokens: 6, seed: 9,
    });
    // The inspector's "▶ hear" replays each heard turn from what the trajectory records: the same request
    // gives the same audio and frames key; the group's two rollouts hear the first turn in two voices.
    for (const [k, stored] of group.entries()) {
      const u = parseTrajectory(serializeTrajectory(stored), `rollout ${k}`);
      for (const spoken of u.speech!) {
        expect(spoken.rollout).toBe(k);
        const request = heardRequest(spoken, (u.turns[spoken.turn] as { text: string }).text);
        expect(request.taskId).toBe(`dev#${task.index}`);
        expect(await speech.hearing.keyOf(request)).toEqual({ key: spoken.key, audioKey: spoken.audioKey });
      }
      const html = renderToStaticMarkup(createElement(Transcript, { trajectory: u, calls: [], cursor: 0, onPickTurn: () => undefined }));
      expect(html.match(/data-testid="heard-audio"/g)).toHaveLength(u.speech!.length);
    }
    expect(group[0]!.speech![0]!.audioKey).not.toBe(group[1]!.speech![0]!.audioKey);
    const t = group[0];
    const rec = t!.tokens!;
    const users = t!.turns.map((x, i) => (x.role === 'user' ? i : -1)).filter((i) => i >= 0);
    const spoken = t!.speech!;
    // Every customer turn the policy saw before its last turn was heard, in order.
    expect(spoken.map((s) => s.turn)).toEqual(users.slice(0, spoken.length));
    expect(spoken.length).toBeGreaterThanOrEqual(1);
    expect(findAudioSlots(rec.ids, m)).toEqual(spoken.map((s) => ({ bos: s.bos, count: s.audioTokens })));
    for (const s of spoken) expect(s.audioTokens).toBe(Math.ceil(s.encoderFrames / 4));
    // The customer's words never reach the policy as text.
    expect(tok.decode(rec.ids)).not.toContain((t!.turns[users[0]!] as { text: string }).text.slice(0, 30));

    // Training: the speech engine fills the slots with the same projector → the sampling log-probs again.
    const model = trainModelFromWeights(weights);
    const adapter = createLora(weights.config, { r: 2, alpha: 4, targets: ['q_proj', 'v_proj'] }, { init: 'peft', seed: 1 });
    const inner = new CpuTrainEngine(model, adapter, new CheckpointableAdamW(loraParams(adapter), { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }, 1));
    const frames = async (key: string) => speech.hearing.memory.get(key)!;
    const engine = new SpeechTrainEngine(inner, { projector: speech.projector, frames, projectorLrMultiplier: 3 });
    const audio = spoken.map((s) => ({ key: s.key, bos: s.bos, count: s.audioTokens }));
    const mask = rec.trainable.slice(1);
    const { logprobs } = await engine.logprobs([{ tokens: rec.ids, trainable: mask, audio } as never], true);
    let worst = 0;
    mask.forEach((on, i) => {
      if (on) worst = Math.max(worst, Math.abs(logprobs[0]![i]! - rec.logprobs[i + 1]!));
    });
    expect(worst).toBeLessThan(1e-4); // float32 weights in both engines, float64 activations

    // One update moves the projector; its file in the checkpoint loads back.
    const before = Float64Array.from(speech.projector.weights.wDown);
    await engine.forwardBackward([{ tokens: rec.ids, trainable: mask, audio, dLogprob: mask.map((x) => -x) } as never], [0]);
    await engine.step({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }, 1, 1);
    expect(speech.projector.weights.wDown.some((v, i) => v !== before[i])).toBe(true);
    const again = AudioProjector.fromSafetensors(speech.projector.toSafetensors());
    expect(again.config).toEqual(speech.projector.config);
  }, 180_000);
});
