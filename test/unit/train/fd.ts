// Finite-difference gradient checking for float64 references (central differences).
import { expect } from 'vitest';
import { rng } from '../../../src/reference/compare.ts';

export function rand64(n: number, seed: number, scale = 1): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * scale || scale * 1e-3;
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Checks `analytic` = ∂f/∂x at every entry of x (or at `maxChecks` entries spread over it) against
 * (f(x+h) − f(x−h)) / 2h, with x perturbed in place and restored.
 */
export function expectGradient(
  what: string,
  f: () => number,
  x: Float64Array,
  analytic: ArrayLike<number>,
  { h = 1e-5, tol = 1e-6, maxChecks = 64 }: { h?: number; tol?: number; maxChecks?: number } = {},
): void {
  expect(analytic.length, `${what}: gradient length`).toBe(x.length);
  const stride = Math.max(1, Math.floor(x.length / maxChecks));
  let worst = 0;
  let worstAt = -1;
  let scale = 0;
  for (let i = 0; i < analytic.length; i++) scale = Math.max(scale, Math.abs(analytic[i]!));
  for (let i = 0; i < x.length; i += stride) {
    const x0 = x[i]!;
    x[i] = x0 + h;
    const fp = f();
    x[i] = x0 - h;
    const fm = f();
    x[i] = x0;
    const num = (fp - fm) / (2 * h);
    const err = Math.abs(num - analytic[i]!) / Math.max(1e-3, scale);
    if (!(err <= worst)) {
      worst = err;
      worstAt = i;
    }
  }
  expect(Number.isFinite(worst) && worst <= tol, `${what}: worst relative error ${worst.toExponential(3)} at [${worstAt}] (tol ${tol})`).toBe(true);
  expect(scale, `${what}: gradient must not be identically zero`).toBeGreaterThan(0);
}
