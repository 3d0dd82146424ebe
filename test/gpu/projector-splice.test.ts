// WGSL audio splice (forward in place, backward) and frame stacking vs the float64 CPU references.
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelRunner } from '../../src/gpu/runner.ts';
import { randomArray } from '../../src/reference/compare.ts';
import { recordStackFrames, splice, spliceBackward, uploadSpliceIndex } from '../../src/speech/kernels/splice.ts';
import { stackFrames } from '../../src/speech/projector-reference.ts';
import { findAudioSpans, spliceBackward as spliceBackwardRef, spliceForward, spliceIndex } from '../../src/speech/splice-reference.ts';
import { expectClose, poisonedBuffer, testGpu } from '../helpers/gpu.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

const ids = { bos: 1000, pad: 1001, eos: 1002 };
const D = 19;
const prompts: Record<string, number[]> = {
  'two spans (5 and 3 tokens)': [1, 2, 1000, 1001, 1001, 1001, 1001, 1001, 1002, 3, 4, 5, 1000, 1001, 1001, 1001, 1002, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
  'one empty span': [1, 1000, 1002, 2, 3],
  'no audio': [4, 5, 6, 7, 8, 9, 10],
};

describe('audio splice kernels', () => {
  for (const [name, tokens] of Object.entries(prompts)) {
    it(`forward and backward match the reference: ${name}`, async () => {
      const S = tokens.length;
      const spans = findAudioSpans(tokens, ids);
      const index = spliceIndex(S, spans);
      const emb = randomArray(S * D, S);
      const audio = randomArray(Math.max(1, index.audioRows) * D, S + 1);
      const markers = randomArray(2 * D, S + 2);
      const perSpan = spans.map((_, s) => {
        const before = spans.slice(0, s).reduce((n, x) => n + x.count, 0);
        return audio.subarray(before * D, (before + spans[s]!.count) * D);
      });
      const buffers = await uploadSpliceIndex(runner, index);
      const x = await runner.upload('x', emb);
      await splice(runner, { x, audio: await runner.upload('audio', audio), markers: await runner.upload('markers', markers), S, D, index, buffers });
      const expected = spliceForward(emb, S, D, spans, perSpan, markers.subarray(0, D), markers.subarray(D));
      expectClose(await runner.readF32(x, S * D), expected, 0, 'splice forward');

      const dy = randomArray(S * D, S + 3);
      const dx = await poisonedBuffer(runner, 'dx', S * D);
      const dAudio = await poisonedBuffer(runner, 'dAudio', Math.max(1, index.audioRows) * D);
      const dMarkers = await poisonedBuffer(runner, 'dMarkers', 2 * D);
      await spliceBackward(runner, { dy: await runner.upload('dy', dy), dx, dAudio, dMarkers, S, D, index, buffers });
      const ref = spliceBackwardRef(dy, S, D, spans);
      expectClose(await runner.readF32(dx, S * D), ref.dEmbeddings, 1e-6, 'dx');
      if (index.audioRows) {
        const refAudio = new Float64Array(index.audioRows * D);
        let o = 0;
        for (const a of ref.dAudio) {
          refAudio.set(a, o);
          o += a.length;
        }
        expectClose(await runner.readF32(dAudio, index.audioRows * D), refAudio, 1e-6, 'dAudio');
      }
      const gotMarkers = await runner.readF32(dMarkers, 2 * D);
      if (spans.length) {
        expectClose(gotMarkers.subarray(0, D), ref.dBegin, 1e-6, 'dBegin');
        expectClose(gotMarkers.subarray(D), ref.dEnd, 1e-6, 'dEnd');
      } else {
        expect(Array.from(gotMarkers).every((v) => v === 0)).toBe(true);
      }
    });
  }

  it('stacks frames with a zero tail (T = 7, E = 5, k = 4)', async () => {
    const T = 7;
    const E = 5;
    const frames = randomArray(T * E, 77);
    const stacked = await poisonedBuffer(runner, 'stacked', 8 * E);
    const N = recordStackFrames(runner, { frames: await runner.upload('frames', frames), stacked, T, E, stack: 4 });
    expect(N).toBe(2);
    expectClose(await runner.readF32(stacked, 8 * E), stackFrames(frames, T, E, 4), 0, 'stack');
  });

  it('rejects mismatched sizes with a clear error', async () => {
    const tokens = prompts['two spans (5 and 3 tokens)']!;
    const index = spliceIndex(tokens.length, findAudioSpans(tokens, ids));
    const buffers = await uploadSpliceIndex(runner, index);
    const small = await runner.createBuffer('small', 16);
    await expect(splice(runner, { x: small, audio: small, markers: small, S: tokens.length, D, index, buffers })).rejects.toThrow(/splice: x holds 16 bytes/);
    await expect(splice(runner, { x: small, audio: small, markers: small, S: 3, D, index, buffers })).rejects.toThrow(/covers 29 positions/);
  });
});
