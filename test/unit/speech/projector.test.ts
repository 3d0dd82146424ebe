// Projector and splice CPU references: shapes, splice placement, and finite-difference gradient checks
// of the whole chain frames → projector → splice → Σ G ⊙ embeddings (two audio spans, partial stacks).
import { describe, expect, it } from 'vitest';
import { randomArray } from '../../../src/reference/compare.ts';
import {
  initProjector,
  PROJECTOR_PARAMS,
  projectorBackward,
  projectorForward,
  stackFrames,
  zeroProjectorGrads,
  type ProjectorConfig,
  type ProjectorWeights,
} from '../../../src/speech/projector-reference.ts';
import { findAudioSpans, spliceBackward, spliceForward } from '../../../src/speech/splice-reference.ts';

const ids = { bos: 900, pad: 901, eos: 902 };
const cfg: ProjectorConfig = { encoderDim: 3, stack: 2, hidden: 5, modelDim: 4, eps: 1e-6 };
const T = [7, 4]; // 4 and 2 audio tokens: the first span ends in a zero-padded stack
const D = cfg.modelDim;
// prompt: text, span 1 (bos, 4 pads, eos), text, span 2 (bos, 2 pads, eos), text
const tokens = [5, 6, 900, 901, 901, 901, 901, 902, 7, 900, 901, 901, 902, 8];
const S = tokens.length;

function randomWeights(seed: number): ProjectorWeights {
  const w = initProjector(cfg, seed);
  // non-trivial norm gains so their gradients are exercised
  for (const k of ['normIn', 'normOut'] as const) w[k] = Float64Array.from(randomArray(w[k].length, seed + 1), (v) => 1 + 0.5 * v);
  return w;
}

function chain(w: ProjectorWeights, frames: Float64Array[], emb: Float64Array, G: Float64Array) {
  const spans = findAudioSpans(tokens, ids);
  const runs = frames.map((f, s) => projectorForward(cfg, w, f, T[s]!));
  const out = spliceForward(emb, S, D, spans, runs.map((r) => r.tokens), w.audioBegin, w.audioEnd);
  const loss = out.reduce((acc, v, i) => acc + v * G[i]!, 0);
  return { loss, spans, runs, out };
}

describe('projector + splice references', () => {
  const w = randomWeights(1);
  const frames = T.map((t, s) => Float64Array.from(randomArray(t * cfg.encoderDim, 10 + s)));
  const emb = Float64Array.from(randomArray(S * D, 20));
  const G = Float64Array.from(randomArray(S * D, 30));

  it('stacks k frames side by side and zero-pads the last stack', () => {
    const f = Float64Array.from({ length: 5 * 2 }, (_, i) => i + 1); // T = 5, E = 2
    const s = stackFrames(f, 5, 2, 2);
    expect(Array.from(s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0]);
  });

  it('finds spans and places begin, projected tokens and end; text rows untouched', () => {
    const { spans, runs, out } = chain(w, frames, emb, G);
    expect(spans).toEqual([
      { bos: 2, start: 3, count: 4, eos: 7 },
      { bos: 9, start: 10, count: 2, eos: 12 },
    ]);
    expect(runs.map((r) => r.cache.N)).toEqual([4, 2]);
    const row = (x: ArrayLike<number>, r: number) => Array.from(x).slice(r * D, r * D + D);
    expect(row(out, 0)).toEqual(row(emb, 0));
    expect(row(out, 8)).toEqual(row(emb, 8));
    expect(row(out, 2)).toEqual(Array.from(w.audioBegin));
    expect(row(out, 12)).toEqual(Array.from(w.audioEnd));
    expect(row(out, 4)).toEqual(row(runs[0]!.tokens, 1));
    expect(row(out, 11)).toEqual(row(runs[1]!.tokens, 1));
    expect(runs[0]!.tokens.every(Number.isFinite)).toBe(true);
  });

  it('gradients match central finite differences for every projector parameter, the embeddings and the frames', () => {
    const { spans, runs } = chain(w, frames, emb, G);
    const sg = spliceBackward(G, S, D, spans);
    const grads = zeroProjectorGrads(cfg);
    const dFrames = runs.map((r, s) => projectorBackward(cfg, w, r.cache, sg.dAudio[s]!, T[s]!, grads));
    grads.audioBegin.set(sg.dBegin);
    grads.audioEnd.set(sg.dEnd);

    const h = 1e-5;
    const check = (analytic: number, perturb: (delta: number) => number, what: string) => {
      const numeric = (perturb(h) - perturb(-h)) / (2 * h);
      const scale = Math.max(1e-3, Math.abs(numeric), Math.abs(analytic));
      expect(Math.abs(analytic - numeric) / scale, `${what}: analytic ${analytic}, numeric ${numeric}`).toBeLessThan(1e-6);
    };
    let checked = 0;
    for (const name of PROJECTOR_PARAMS) {
      const p = w[name];
      const step = Math.max(1, Math.floor(p.length / 9));
      for (let i = 0; i < p.length; i += step) {
        check(
          grads[name][i]!,
          (delta) => {
            const old = p[i]!;
            p[i] = old + delta;
            const l = chain(w, frames, emb, G).loss;
            p[i] = old;
            return l;
          },
          `${name}[${i}]`,
        );
        checked++;
      }
      expect(grads[name].some((v) => v !== 0), `${name} gets a gradient`).toBe(true);
    }
    for (let i = 0; i < emb.length; i += 3) {
      check(sg.dEmbeddings[i]!, (delta) => {
        const old = emb[i]!;
        emb[i] = old + delta;
        const l = chain(w, frames, emb, G).loss;
        emb[i] = old;
        return l;
      }, `emb[${i}]`);
    }
    frames.forEach((f, s) => {
      for (let i = 0; i < f.length; i += 2) {
        check(dFrames[s]![i]!, (delta) => {
          const old = f[i]!;
          f[i] = old + delta;
          const l = chain(w, frames, emb, G).loss;
          f[i] = old;
          return l;
        }, `frames${s}[${i}]`);
      }
    });
    expect(checked).toBeGreaterThan(40);
  });

  it('rejects malformed prompts and shapes with clear errors', () => {
    expect(() => findAudioSpans([1, 900, 901, 5], ids)).toThrow(/not closed/);
    expect(() => findAudioSpans([1, 901, 902], ids)).toThrow(/pad outside/);
    const spans = findAudioSpans(tokens, ids);
    expect(() => spliceForward(emb, S, D, spans, [new Float64Array(4 * D)], w.audioBegin, w.audioEnd)).toThrow(/2 audio spans/);
    expect(() => spliceForward(emb, S, D, spans, [new Float64Array(3 * D), new Float64Array(2 * D)], w.audioBegin, w.audioEnd)).toThrow(/span 0 has 4 pad/);
    expect(() => projectorForward(cfg, { ...w, wDown: new Float64Array(3) }, frames[0]!, T[0]!)).toThrow(/wDown has 3 values/);
    expect(() => projectorForward(cfg, w, frames[0]!, 6)).toThrow(/frames have 21 values/);
  });
});
