// Float64 CPU reference of the audio splice and its backward. The prompt carries one placeholder per
// spliced position: <|audio_bos|>, then one pad token per projected audio token, then <|audio_eos|>.
// The splice overwrites those rows of the token embeddings (S × D) with begin, projected tokens, end.

export interface AudioTokenIds {
  bos: number;
  pad: number;
  eos: number;
}

export interface AudioSpan {
  bos: number; // position of <|audio_bos|>
  start: number; // first pad position (= bos + 1)
  count: number; // pad positions = projected tokens this span takes
  eos: number; // position of <|audio_eos|> (= start + count)
}

/** Finds every <|audio_bos|> pad* <|audio_eos|> run; any other use of the three ids is an error. */
export function findAudioSpans(tokenIds: ArrayLike<number>, ids: AudioTokenIds): AudioSpan[] {
  const spans: AudioSpan[] = [];
  let i = 0;
  while (i < tokenIds.length) {
    const id = tokenIds[i]!;
    if (id === ids.pad || id === ids.eos) throw new Error(`splice: token ${i} is an audio ${id === ids.pad ? 'pad' : 'eos'} outside <|audio_bos|> … <|audio_eos|>`);
    if (id !== ids.bos) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < tokenIds.length && tokenIds[j] === ids.pad) j++;
    if (j >= tokenIds.length || tokenIds[j] !== ids.eos) throw new Error(`splice: <|audio_bos|> at ${i} is not closed by <|audio_eos|> after its pad tokens`);
    spans.push({ bos: i, start: i + 1, count: j - i - 1, eos: j });
    i = j + 1;
  }
  return spans;
}

function checkSplice(S: number, D: number, spans: readonly AudioSpan[], audio: readonly ArrayLike<number>[]): void {
  if (audio.length !== spans.length) throw new Error(`splice: ${spans.length} audio spans in the prompt but ${audio.length} audio inputs`);
  spans.forEach((span, s) => {
    if (audio[s]!.length !== span.count * D) throw new Error(`splice: span ${s} has ${span.count} pad positions but its audio has ${audio[s]!.length / D} tokens of width ${D}`);
    if (span.eos >= S) throw new Error(`splice: span ${s} ends at ${span.eos}, beyond the ${S} positions`);
  });
}

export function spliceForward(
  embeddings: ArrayLike<number>,
  S: number,
  D: number,
  spans: readonly AudioSpan[],
  audio: readonly ArrayLike<number>[], // per span: count × D projected tokens
  begin: ArrayLike<number>,
  end: ArrayLike<number>,
): Float64Array {
  if (embeddings.length !== S * D) throw new Error(`splice: embeddings have ${embeddings.length} values, expected ${S}×${D}`);
  if (begin.length !== D || end.length !== D) throw new Error(`splice: begin/end vectors must have ${D} values`);
  checkSplice(S, D, spans, audio);
  const out = Float64Array.from(embeddings as ArrayLike<number>);
  spans.forEach((span, s) => {
    for (let d = 0; d < D; d++) {
      out[span.bos * D + d] = begin[d]!;
      out[span.eos * D + d] = end[d]!;
    }
    const a = audio[s]!;
    for (let i = 0; i < span.count * D; i++) out[span.start * D + i] = a[i]!;
  });
  return out;
}

export interface SpliceGrads {
  dEmbeddings: Float64Array; // S × D, zero at spliced rows (those embeddings were overwritten)
  dAudio: Float64Array[]; // per span: count × D
  dBegin: Float64Array; // D, summed over spans
  dEnd: Float64Array;
}

export function spliceBackward(dOut: ArrayLike<number>, S: number, D: number, spans: readonly AudioSpan[]): SpliceGrads {
  if (dOut.length !== S * D) throw new Error(`splice: dOut has ${dOut.length} values, expected ${S}×${D}`);
  const dEmbeddings = Float64Array.from(dOut as ArrayLike<number>);
  const dBegin = new Float64Array(D);
  const dEnd = new Float64Array(D);
  const dAudio = spans.map((span) => {
    for (let d = 0; d < D; d++) {
      dBegin[d] += dOut[span.bos * D + d]!;
      dEnd[d] += dOut[span.eos * D + d]!;
    }
    const da = Float64Array.from({ length: span.count * D }, (_, i) => dOut[span.start * D + i]!);
    dEmbeddings.fill(0, span.bos * D, (span.eos + 1) * D);
    return da;
  });
  return { dEmbeddings, dAudio, dBegin, dEnd };
}

/** Where each spliced position reads from, for the GPU kernels: −1 keep the token embedding, −2 begin, −3 end, j ≥ 0 audio row j (spans concatenated in order). */
export const SPLICE_KEEP = -1;
export const SPLICE_BEGIN = -2;
export const SPLICE_END = -3;

export interface SpliceIndex {
  sourceMap: Int32Array; // S
  audioPositions: Uint32Array; // total audio rows: the position each one lands at
  markerPositions: Uint32Array; // bos of every span, then eos of every span
  audioRows: number;
  spans: number;
}

export function spliceIndex(S: number, spans: readonly AudioSpan[]): SpliceIndex {
  const sourceMap = new Int32Array(S).fill(SPLICE_KEEP);
  const audioRows = spans.reduce((n, s) => n + s.count, 0);
  const audioPositions = new Uint32Array(audioRows);
  const markerPositions = new Uint32Array(2 * spans.length);
  let row = 0;
  spans.forEach((span, s) => {
    if (span.eos >= S) throw new Error(`splice: span ${s} ends at ${span.eos}, beyond the ${S} positions`);
    sourceMap[span.bos] = SPLICE_BEGIN;
    sourceMap[span.eos] = SPLICE_END;
    markerPositions[s] = span.bos;
    markerPositions[spans.length + s] = span.eos;
    for (let i = 0; i < span.count; i++) {
      sourceMap[span.start + i] = row;
      audioPositions[row++] = span.start + i;
    }
  });
  return { sourceMap, audioPositions, markerPositions, audioRows, spans: spans.length };
}
