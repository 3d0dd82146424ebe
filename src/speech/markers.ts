// The three prompt markers of a spoken turn — begin, one pad per audio token, end — in a tokenizer's
// own special tokens. Qwen2-Audio names them <|audio_bos|> <|AUDIO|> <|audio_eos|>, Qwen2.5-Omni
// <|audio_start|> <|audio_pad|> <|audio_end|>; text-only Qwen2.5/Qwen3 tokenizers have neither, so their
// reserved (never-trained, never-generated) multimodal markers <|vision_start|> <|vision_pad|>
// <|vision_end|> are reused. Each must encode to exactly one id.
import type { ChatMessage } from '../model/chat-template.ts';
import type { ModelTokenizer } from '../model/tokenizer.ts';
import type { HeardTurn } from './hearing.ts';
import type { HeardSlot } from './projector.ts';

export interface AudioMarker {
  text: string;
  id: number;
}

export interface AudioMarkers {
  bos: AudioMarker;
  pad: AudioMarker;
  eos: AudioMarker;
}

const FAMILIES: readonly [string, string, string][] = [
  ['<|audio_bos|>', '<|AUDIO|>', '<|audio_eos|>'],
  ['<|audio_start|>', '<|audio_pad|>', '<|audio_end|>'],
  ['<|vision_start|>', '<|vision_pad|>', '<|vision_end|>'],
];

export function audioMarkers(tokenizer: Pick<ModelTokenizer, 'tokenId' | 'encode'>): AudioMarkers {
  for (const family of FAMILIES) {
    const ids = family.map((t) => tokenizer.tokenId(t));
    if (ids.some((id) => id === undefined)) continue;
    const [bos, pad, eos] = family.map((text, i) => {
      const enc = tokenizer.encode(text);
      if (enc.length !== 1 || enc[0] !== ids[i]) throw new Error(`audio markers: ${text} does not encode to its single id ${ids[i]} (got [${enc.join(', ')}])`);
      return { text, id: ids[i]! };
    });
    return { bos: bos!, pad: pad!, eos: eos! };
  }
  throw new Error(`audio markers: the tokenizer has none of ${FAMILIES.map((f) => f.join(' ')).join(' / ')}; speech turns need three special tokens`);
}

/** The text that stands for a spoken turn of `count` audio tokens in the chat template. */
export function markerText(m: AudioMarkers, count: number): string {
  return `${m.bos.text}${m.pad.text.repeat(count)}${m.eos.text}`;
}

/** Every bos pad… eos run in `ids` (positions of bos and pad counts), in order; malformed runs are errors. */
export function findAudioSlots(ids: readonly number[], m: AudioMarkers): { bos: number; count: number }[] {
  const out: { bos: number; count: number }[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] !== m.bos.id) continue;
    let j = i + 1;
    while (j < ids.length && ids[j] === m.pad.id) j++;
    if (ids[j] !== m.eos.id) throw new Error(`audio markers: ${m.bos.text} at ${i} is not closed by ${m.eos.text} after its pads`);
    out.push({ bos: i, count: j - i - 1 });
    i = j;
  }
  return out;
}

/** The messages with each heard customer turn (keyed by message index) replaced by its audio markers. */
export function withHeardTurns(messages: readonly ChatMessage[], heard: ReadonlyMap<number, HeardTurn>, m: AudioMarkers, tokensFor: (T: number) => number): ChatMessage[] {
  return messages.map((msg, i) => {
    const h = heard.get(i);
    return h ? { role: 'user', content: markerText(m, tokensFor(h.T)) } : msg;
  });
}

/**
 * The audio slots of a rendered prompt, in order, each filled with the frames of the heard turn of the
 * same rank (turn order); `turns[j]` is slot j's message index. Throws when slots and turns disagree.
 */
export function heardSlots(ids: readonly number[], heard: ReadonlyMap<number, HeardTurn>, m: AudioMarkers, tokensFor: (T: number) => number): { slots: HeardSlot[]; turns: number[] } {
  const found = findAudioSlots(ids, m);
  const turns = [...heard.keys()].sort((a, b) => a - b);
  if (found.length !== turns.length) throw new Error(`speech: the prompt has ${found.length} audio slots for ${turns.length} heard customer turns`);
  const slots = found.map((s, j) => {
    const h = heard.get(turns[j]!)!;
    if (s.count !== tokensFor(h.T)) throw new Error(`speech: audio slot ${j} has ${s.count} pads, its audio ${tokensFor(h.T)} tokens`);
    return { ...s, frames: h.frames, T: h.T };
  });
  return { slots, turns };
}
