import { describe, it, expect } from 'vitest';
import { addKlK3Grad, klK3, ppoClipGrad } from '../../../src/train/rl-loss.ts';

describe('RL objectives as ∂L/∂logprob', () => {
  it('PPO clipped surrogate gradient matches finite differences (clipped and unclipped tokens)', () => {
    const lpOld = [-1, -2, -0.5, -3];
    const lp = [-0.7, -2.5, -0.52, -2.9];
    const adv = [1, 1, -1, -2];
    const eps = 0.2;
    const L = (x: number[]) => x.reduce((s, v, t) => {
      const rho = Math.exp(v - lpOld[t]!);
      return s - Math.min(rho * adv[t]!, Math.min(Math.max(rho, 1 - eps), 1 + eps) * adv[t]!);
    }, 0);
    const g = ppoClipGrad(lp, lpOld, adv, eps);
    expect(g[0]).toBe(0); // ρ = e^0.3 > 1.2 with A > 0: clipped, no gradient
    for (let t = 0; t < lp.length; t++) {
      const h = 1e-6;
      const up = [...lp];
      const dn = [...lp];
      up[t]! += h;
      dn[t]! -= h;
      expect(g[t]).toBeCloseTo((L(up) - L(dn)) / (2 * h), 6);
    }
  });

  it('k3 KL gradient matches finite differences and KL ≥ 0', () => {
    const lp = [-1, -0.3, -2];
    const ref = [-1.2, -0.3, -1];
    const g = addKlK3Grad(new Float64Array(3), lp, ref, 1);
    for (const k of klK3(lp, ref)) expect(k).toBeGreaterThanOrEqual(0);
    for (let t = 0; t < 3; t++) {
      const h = 1e-6;
      const f = (d: number) => klK3([lp[t]! + d], [ref[t]!])[0]!;
      expect(g[t]).toBeCloseTo((f(h) - f(-h)) / (2 * h), 6);
    }
  });
});
