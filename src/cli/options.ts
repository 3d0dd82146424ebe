// Options shared by several commands.
import { Option } from 'commander';
import type { AcquireOptions } from '../gpu/device.ts';

/** `--dawn OPT...`: Dawn instance options in Node, e.g. backend=vulkan or adapter=NVIDIA. */
export const dawnOption = () =>
  new Option('--dawn <opt...>', 'Dawn options for Node (e.g. backend=vulkan, adapter=NVIDIA)').default([]);

export const fallbackOption = () => new Option('--fallback', 'ask for the fallback (software) adapter');

export function acquireOptionsFrom(o: { dawn?: string[]; fallback?: boolean }): AcquireOptions {
  return { dawnOptions: o.dawn ?? [], forceFallbackAdapter: o.fallback || undefined };
}

/** Parses "5,17,3" into token ids, naming the bad entry if any. */
export function parseIntList(text: string, what = 'list'): number[] {
  return text.split(',').map((s, i) => {
    const t = s.trim();
    if (!/^\d+$/.test(t)) throw new Error(`${what}: entry ${i + 1} ("${t}") is not a non-negative integer`);
    return Number(t);
  });
}

/** A number flag: a clear error naming the flag unless `v` is finite (an integer with `int`) and ≥ `min`. */
export function parseNumber(v: string, name: string, o: { min?: number; int?: boolean } = {}): number {
  const n = Number(v);
  if (!Number.isFinite(n) || (o.int && !Number.isInteger(n)) || n < (o.min ?? -Infinity)) {
    throw new Error(`${name}: "${v}" is not ${o.int ? 'an integer' : 'a number'}${o.min !== undefined ? ` >= ${o.min}` : ''}`);
  }
  return n;
}
