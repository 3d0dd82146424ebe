// Grid for kernels with one thread per element and 256-thread workgroups (flat index over x and y).
import type { KernelRunner } from '../gpu/runner.ts';
import { grid2d } from './dispatch.ts';

export function elementGrid(runner: KernelRunner, n: number, what: string): [number, number, number] {
  return grid2d(runner, Math.ceil(n / 256), what);
}
