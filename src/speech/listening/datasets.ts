// The listening datasets (train: chained identifiers; held-out: single unseen identifiers), rendered
// once and cached as features under `cacheDir` (keyed by their parameters).
import { createHash } from 'node:crypto';
import { createNodeEspeak } from '../espeak-node.ts';
import { SpeechSynthesizer } from '../tts.ts';
import { rng } from '../../reference/compare.ts';
import { listeningSplits, trainingUtterance } from './corpus.ts';
import { loadFeatureSet, renderFeatureSet, saveFeatureSet, type FeatureSet, type UtteranceSpec } from './features.ts';

export interface ListeningDataOptions {
  db: { emails: readonly string[]; orderIds: readonly string[] };
  trainUtterances: number;
  itemsPerUtterance: number;
  heldOutPerKind: number;
  seed: number;
  cacheDir: string;
  onProgress?: (what: string, done: number, total: number) => void;
}

export function listeningSpecs(o: Omit<ListeningDataOptions, 'cacheDir' | 'onProgress'>): { train: UtteranceSpec[]; heldOut: UtteranceSpec[] } {
  const splits = listeningSplits(o.db, o.heldOutPerKind, o.seed);
  const random = rng(o.seed + 1);
  const train = Array.from({ length: o.trainUtterances }, (_, i): UtteranceSpec => ({
    ...trainingUtterance(splits, random, o.itemsPerUtterance),
    id: { taskId: `listen-train-${o.seed}`, turn: i, rollout: 0 },
    preset: random() < 0.5 ? 'clean' : 'telephone',
  }));
  const heldOut = splits.heldOut.map((x, i): UtteranceSpec => ({
    text: x.text, label: x.label, kind: x.kind,
    id: { taskId: `listen-heldout-${o.seed}`, turn: i, rollout: 0 },
    preset: i % 2 ? 'telephone' : 'clean',
  }));
  return { train, heldOut };
}

const keyOf = (specs: readonly UtteranceSpec[]) => createHash('sha256').update(JSON.stringify(specs)).digest('hex').slice(0, 12);

export async function listeningDatasets(o: ListeningDataOptions): Promise<{ train: FeatureSet; heldOut: FeatureSet }> {
  const specs = listeningSpecs(o);
  let tts: SpeechSynthesizer | undefined;
  const get = async (name: 'train' | 'heldout', list: UtteranceSpec[]) => {
    const file = `${name}-${keyOf(list)}`;
    const cached = loadFeatureSet(o.cacheDir, file);
    if (cached) return cached;
    tts ??= new SpeechSynthesizer(createNodeEspeak());
    const set = await renderFeatureSet(tts, list, (d, n) => o.onProgress?.(`rendering ${name}`, d, n));
    saveFeatureSet(o.cacheDir, file, set);
    return set;
  };
  return { heldOut: await get('heldout', specs.heldOut), train: await get('train', specs.train) };
}
