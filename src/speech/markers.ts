// The three prompt markers of a spoken turn — begin, one pad per audio token, end — in a tokenizer's
// own special tokens. Qwen2-Audio names them <|audio_bos|> <|AUDIO|> <|audio_eos|>, Qwen2.5-Omni
// <|audio_start|> <|audio_pad|> <|audio_end|>; text-only Qwen2.5/Qwen3 tokenizers have neither, so their
// reserved (never-trained, never-generated) multimodal markers <|vision_start|> <|vision_pad|>
// <|vision_end|> are reused. Each must encode to exactly one id.
import type { ModelTokenizer } from '../model/tokenizer.ts';

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
