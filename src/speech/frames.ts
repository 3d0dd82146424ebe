// Frame maths from audio samples to the audio tokens spliced into the policy:
// samples → log-mel frames (hop 160 → 100 /s) → encoder frames (its convolution stack; Whisper's
// conv1 k3 s1 p1 + conv2 k3 s2 p1 → 50 /s) → audio tokens (k encoder frames stacked per token,
// default 4 → 12.5 /s), with <|audio_bos|> and <|audio_eos|> around them.
import { melFrameCount, WHISPER_LOG_MEL } from './logmel.ts';

export interface ConvSpec {
  kernel: number;
  stride: number;
  padding: number;
}

export const WHISPER_ENCODER_CONVS: readonly ConvSpec[] = [
  { kernel: 3, stride: 1, padding: 1 },
  { kernel: 3, stride: 2, padding: 1 },
];

export const DEFAULT_STACK = 4;

export function convOutputLength(length: number, c: ConvSpec): number {
  const out = Math.floor((length + 2 * c.padding - c.kernel) / c.stride) + 1;
  return Math.max(0, out);
}

export function encoderFrameCount(melFrames: number, convs: readonly ConvSpec[] = WHISPER_ENCODER_CONVS): number {
  if (!Number.isInteger(melFrames) || melFrames < 0) throw new Error(`frames: mel frame count must be a non-negative integer, got ${melFrames}`);
  return convs.reduce(convOutputLength, melFrames);
}

/** Stacks of k frames; a last partial stack is zero-padded, so ceil(frames / k). */
export function audioTokenCount(encoderFrames: number, stack = DEFAULT_STACK): number {
  if (!Number.isInteger(stack) || stack < 1) throw new Error(`frames: stack size must be a positive integer, got ${stack}`);
  return Math.ceil(encoderFrames / stack);
}

export interface AudioFrameMath {
  samples: number;
  durationS: number;
  melFrames: number;
  encoderFrames: number;
  audioTokens: number; // projected frames between the markers
  splicedPositions: number; // audioTokens + 2 (begin/end vectors at <|audio_bos|> / <|audio_eos|>)
}

export function audioFrameMath(
  samples: number,
  options: { stack?: number; convs?: readonly ConvSpec[]; hop?: number; sampleRate?: number } = {},
): AudioFrameMath {
  const melFrames = melFrameCount(samples, options.hop ?? WHISPER_LOG_MEL.hop);
  const encoderFrames = encoderFrameCount(melFrames, options.convs);
  const audioTokens = audioTokenCount(encoderFrames, options.stack);
  return {
    samples,
    durationS: samples / (options.sampleRate ?? WHISPER_LOG_MEL.sampleRate),
    melFrames,
    encoderFrames,
    audioTokens,
    splicedPositions: audioTokens + 2,
  };
}
