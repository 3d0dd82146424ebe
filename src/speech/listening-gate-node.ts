// The listening gate's figures in Node: exact-match rates per identifier kind from a listener's
// listening.json (the better of free and grammar decoding, both measured on held-out renders).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ListeningGate } from './align.ts';
import type { ListeningFile } from './listener/make.ts';

/** --listening, --gate-kinds and --threshold: which listening test gates a speech command, and how. */
export function addListeningGateOptions(cmd: Command): Command {
  return cmd
    .option('--listening <file>', "the encoder's listening test", 'public/models/tarl-listener/listening.json')
    .option('--gate-kinds <kinds>', 'identifier kinds that must pass the listening test (comma-separated)', 'order')
    .option('--threshold <x>', 'listening-test exact-match rate each gated kind needs', '0.9');
}

export function listeningGateFrom(f: { listening: string; gateKinds: string; threshold: string }): ListeningGate {
  const threshold = Number(f.threshold);
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`--threshold: "${f.threshold}" is not a rate in [0, 1]`);
  return readListeningGate(f.listening, f.gateKinds.split(',').map((s) => s.trim()).filter(Boolean), threshold);
}

export function readListeningGate(file: string, kinds: readonly string[], threshold: number): ListeningGate {
  let j: Partial<ListeningFile>;
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
