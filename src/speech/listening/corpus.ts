// What the project's speech encoder must hear: the identifiers a retail customer reads out (order
// ids "#W2611340", emails "noah.brown7922@example.com"), spelled the way speakable.ts has espeak say
// them. Training utterances chain several identifiers ("…, …, …"); the held-out listening test uses
// single identifiers that never occur in training (whole users' emails and whole order ids held out),
// read by voices from another seed space. Synthetic identifiers (the DB's first and last names and
// random digits) multiply the training variety; they never collide with a held-out one.
import { rng } from '../../reference/compare.ts';

/** CTC output symbols; label id = index + 1 (0 is the CTC blank). */
export const CTC_ALPHABET = ' abcdefghijklmnopqrstuvwxyz0123456789.@';
export const CTC_BLANK = 0;
export const CTC_VOCAB = CTC_ALPHABET.length + 1;

export type ItemKind = 'order' | 'email';

export interface ListeningItem {
  kind: ItemKind;
  /** What the simulated customer writes (and espeak is given, spelled by speakable.ts). */
  text: string;
  /** What the encoder must transcribe: lower case, no "#". */
  label: string;
}

export function labelOf(identifier: string): string {
  return identifier.replace(/^#/, '').toLowerCase();
}

export function encodeLabel(label: string): number[] {
  return Array.from(label, (ch) => {
    const i = CTC_ALPHABET.indexOf(ch);
    if (i < 0) throw new Error(`listening: "${ch}" in "${label}" is not in the CTC alphabet`);
    return i + 1;
  });
}

export function decodeLabel(ids: readonly number[]): string {
  return ids.map((id) => CTC_ALPHABET[id - 1] ?? '?').join('');
}

const item = (kind: ItemKind, text: string): ListeningItem => ({ kind, text, label: labelOf(text) });

export interface ListeningSplits {
  /** Draws a training identifier (DB or synthetic, never a held-out one). */
  drawTrain(random: () => number): ListeningItem;
  heldOut: ListeningItem[];
}

/** Fisher–Yates on a copy, driven by `random` (the listening data and the listener's batches). */
export function shuffled<T>(xs: readonly T[], random: () => number): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const digits = (random: () => number, n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');

/**
 * Splits the DB's emails and order ids: `heldOutPerKind` of each kind go to the listening test;
 * training draws the rest plus synthetic ones (half the time) from the same name lists.
 */
export function listeningSplits(db: { emails: readonly string[]; orderIds: readonly string[] }, heldOutPerKind = 100, seed = 7): ListeningSplits {
  const random = rng(seed);
  const emails = shuffled(db.emails, random);
  const orders = shuffled(db.orderIds, random);
  if (emails.length <= heldOutPerKind || orders.length <= heldOutPerKind) throw new Error('listening: not enough identifiers to hold some out');
  const heldEmails = emails.slice(0, heldOutPerKind);
  const heldOrders = orders.slice(0, heldOutPerKind);
  const held = new Set([...heldEmails, ...heldOrders].map(labelOf));
  const trainEmails = emails.slice(heldOutPerKind);
  const trainOrders = orders.slice(heldOutPerKind);
  const parts = db.emails.map((e) => /^([a-z]+)\.([a-z]+)\d+@example\.com$/.exec(e)).filter((m): m is RegExpExecArray => m !== null);
  const firsts = [...new Set(parts.map((m) => m[1]!))];
  const lasts = [...new Set(parts.map((m) => m[2]!))];
  const synthetic = (kind: ItemKind, r: () => number): ListeningItem => {
    for (;;) {
      const text = kind === 'order'
        ? `#W${digits(r, 7)}`
        : `${firsts[Math.floor(r() * firsts.length)]}.${lasts[Math.floor(r() * lasts.length)]}${digits(r, 4)}@example.com`;
      if (!held.has(labelOf(text))) return item(kind, text);
    }
  };
  return {
    drawTrain(r) {
      const kind: ItemKind = r() < 0.5 ? 'order' : 'email';
      if (r() < 0.5) return synthetic(kind, r);
      const pool = kind === 'order' ? trainOrders : trainEmails;
      return item(kind, pool[Math.floor(r() * pool.length)]!);
    },
    heldOut: [...heldOrders.map((t) => item('order', t)), ...heldEmails.map((t) => item('email', t))],
  };
}

/** A training utterance: `n` identifiers read as a list; its label joins theirs with spaces. */
export function trainingUtterance(splits: ListeningSplits, random: () => number, n: number): { text: string; label: string } {
  const items = Array.from({ length: n }, () => splits.drawTrain(random));
  return { text: items.map((x) => x.text).join(', ') + '.', label: items.map((x) => x.label).join(' ') };
}
