// The listening gate's figures in Node: exact-match rates per identifier kind from a listener's
// listening.json (the better of free and grammar decoding, both measured on held-out renders).
import { readFileSync } from 'node:fs';
import type { ListeningGate } from './align.ts';

export function readListeningGate(file: string, kinds: readonly string[], threshold: number): ListeningGate {
  let j: { byKind?: Record<string, { rate: number }>; grammar?: { byKind?: Record<string, { rate: number }> } };
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`listening test: cannot read ${file} (${(e as Error).message})`);
  }
  const rates = Object.fromEntries(kinds.map((k) => {
    const rate = Math.max(j.byKind?.[k]?.rate ?? Number.NaN, j.grammar?.byKind?.[k]?.rate ?? Number.NaN);
    if (!Number.isFinite(rate)) throw new Error(`listening test: ${file} has no exact-match rate for "${k}"`);
    return [k, rate];
  }));
  return { rates, threshold };
}
