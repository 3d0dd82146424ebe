// The CPU trainer's attention (row log-sum-exp, probabilities recomputed in the backward) against the
// float64 reference that stores them: same outputs and gradients, GQA and odd sizes.
import { describe, expect, it } from 'vitest';
import { attentionBackward, attentionForward } from '../../../src/reference/attention_backward.ts';
import { attentionBackwardLse, attentionForwardLse } from '../../../src/train/cpu/attention.ts';
import { rand64 } from './fd.ts';

const close = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1e-9 + Math.abs(b[i]!)));
  return worst;
};

describe('attention with row log-sum-exp', () => {
  for (const s of [{ T: 1, H: 2, KV: 1, hd: 3 }, { T: 13, H: 4, KV: 2, hd: 5 }, { T: 29, H: 3, KV: 3, hd: 7 }]) {
    it(`T ${s.T}, H ${s.H}, KV ${s.KV}, hd ${s.hd}`, () => {
      const q = rand64(s.T * s.H * s.hd, 1, 1.5);
      const k = rand64(s.T * s.KV * s.hd, 2, 1.5);
      const v = rand64(s.T * s.KV * s.hd, 3);
      const dOut = rand64(s.T * s.H * s.hd, 4);
      const ref = attentionForward(q, k, v, s);
      const f = attentionForwardLse(q, k, v, s);
      expect(close(f.out, ref.out)).toBeLessThan(1e-10);
      const rb = attentionBackward(q, k, v, dOut, s, ref.probs);
      const b = attentionBackwardLse(q, k, v, f.out, f.lse, dOut, s);
      expect(close(b.dq, rb.dq)).toBeLessThan(1e-8);
      expect(close(b.dk, rb.dk)).toBeLessThan(1e-8);
      expect(close(b.dv, rb.dv)).toBeLessThan(1e-8);
    });
  }
});
