// The trainable audio projector of a speech policy: frozen encoder frames → projected audio tokens
// (projector-reference.ts, float64) → the rows that replace a prompt's <|audio_bos|> pad… <|audio_eos|>
// embeddings (begin vector, audio tokens, end vector), and the way back: ∂L/∂rows from the trainer
// → gradients of every projector tensor. Saved and loaded as named float32 tensors.
import type { EmbeddingRows } from '../model/backend.ts';
import { parseSafetensors, writeSafetensors, type SafeTensorInput } from '../model/safetensors.ts';
import {
  checkProjectorWeights, initProjector, PROJECTOR_PARAMS, projectorBackward, projectorForward, projectorShapes,
  type ProjectorCache, type ProjectorConfig, type ProjectorWeights,
} from './projector-reference.ts';

/** One spoken turn in a token sequence: <|audio_bos|> at `bos`, `count` pad positions, <|audio_eos|> after them. */
export interface AudioSlot {
  bos: number;
  count: number;
}

/** A slot with the encoder frames (T × encoderDim, time-major) that fill it. */
export interface HeardSlot extends AudioSlot {
  frames: Float32Array;
  T: number;
}

/** What the backward needs from a rows() call. */
export interface ProjectedRows {
  rows: EmbeddingRows;
  caches: { slot: HeardSlot; cache: ProjectorCache }[];
}

export const PROJECTOR_PREFIX = 'audio_projector.';

/** The default shape: 4 frames per audio token, a SwiGLU as wide as the policy (at least 64). */
export function defaultProjectorConfig(encoderDim: number, modelDim: number): ProjectorConfig {
  return { encoderDim, stack: 4, hidden: Math.max(64, modelDim), modelDim, eps: 1e-6 };
}

/** Positions a slot covers: bos, its pads, eos. */
export function slotPositions(s: AudioSlot): number[] {
  return Array.from({ length: s.count + 2 }, (_, i) => s.bos + i);
}

export class AudioProjector {
  constructor(
    readonly config: ProjectorConfig,
    readonly weights: ProjectorWeights,
  ) {
    checkProjectorWeights(config, weights);
  }

  static create(config: ProjectorConfig, seed: number): AudioProjector {
    return new AudioProjector(config, initProjector(config, seed));
  }

  /** Audio tokens the projector makes from T encoder frames. */
  tokensFor(T: number): number {
    return Math.ceil(T / this.config.stack);
  }

  /** Named parameters (the live arrays: an optimizer updating them updates the projector). */
  params(): Map<string, Float64Array> {
    return new Map(PROJECTOR_PARAMS.map((n) => [PROJECTOR_PREFIX + n, this.weights[n]]));
  }

  rows(slots: readonly HeardSlot[]): ProjectedRows {
    const D = this.config.modelDim;
    const positions: number[] = [];
    const total = slots.reduce((n, s) => n + s.count + 2, 0);
    const values = new Float64Array(total * D);
    const caches: ProjectedRows['caches'] = [];
    let row = 0;
    for (const slot of slots) {
      if (slot.frames.length !== slot.T * this.config.encoderDim) {
        throw new Error(`projector: a slot has ${slot.frames.length} frame values, expected ${slot.T} frames × ${this.config.encoderDim}`);
      }
      if (this.tokensFor(slot.T) !== slot.count) {
        throw new Error(`projector: ${slot.T} encoder frames make ${this.tokensFor(slot.T)} audio tokens (stack ${this.config.stack}) but the prompt has ${slot.count} pad positions`);
      }
      const { tokens, cache } = projectorForward(this.config, this.weights, slot.frames, slot.T);
      caches.push({ slot, cache });
      positions.push(...slotPositions(slot));
      values.set(this.weights.audioBegin, row * D);
      values.set(tokens, (row + 1) * D);
      values.set(this.weights.audioEnd, (row + slot.count + 1) * D);
      row += slot.count + 2;
    }
    return { rows: { positions, rows: values }, caches };
  }

  /** Accumulates the gradients of every projector tensor (named as in params()) from ∂L/∂rows. */
  backward(p: ProjectedRows, dRows: ArrayLike<number>, grads: Map<string, Float64Array>): void {
    const D = this.config.modelDim;
    if (dRows.length !== p.rows.positions.length * D) throw new Error(`projector: ∂L/∂rows has ${dRows.length} values, expected ${p.rows.positions.length}×${D}`);
    const g = Object.fromEntries(PROJECTOR_PARAMS.map((n) => {
      let a = grads.get(PROJECTOR_PREFIX + n);
      if (!a) grads.set(PROJECTOR_PREFIX + n, (a = new Float64Array(this.weights[n].length)));
      return [n, a];
    })) as unknown as ProjectorWeights;
    let row = 0;
    for (const { slot, cache } of p.caches) {
      for (let d = 0; d < D; d++) {
        g.audioBegin[d] += dRows[row * D + d]!;
        g.audioEnd[d] += dRows[(row + slot.count + 1) * D + d]!;
      }
      const dTokens = Float64Array.from({ length: slot.count * D }, (_, i) => dRows[(row + 1) * D + i]!);
      projectorBackward(this.config, this.weights, cache, dTokens, slot.T, g);
      row += slot.count + 2;
    }
  }

  toSafetensors(): Uint8Array {
    const tensors = new Map<string, SafeTensorInput>();
    const shapes = projectorShapes(this.config);
    for (const n of PROJECTOR_PARAMS) {
      tensors.set(PROJECTOR_PREFIX + n, { dtype: 'F32', shape: [shapes[n]], data: Float32Array.from(this.weights[n]) });
    }
    return writeSafetensors(tensors, { projector_config: JSON.stringify(this.config) });
  }

  static fromSafetensors(bytes: Uint8Array, where = 'projector'): AudioProjector {
    const { tensors, metadata } = parseSafetensors(bytes, where);
    let config: ProjectorConfig;
    try {
      config = JSON.parse(metadata.projector_config ?? '') as ProjectorConfig;
    } catch {
      throw new Error(`${where}: no projector_config in the safetensors metadata`);
    }
    const weights = Object.fromEntries(PROJECTOR_PARAMS.map((n) => {
      const t = tensors.get(PROJECTOR_PREFIX + n);
      if (!t || t.dtype !== 'F32') throw new Error(`${where}: missing float32 tensor ${PROJECTOR_PREFIX}${n}`);
      return [n, Float64Array.from(new Float32Array(t.data.slice().buffer))];
    })) as unknown as ProjectorWeights;
    return new AudioProjector(config, weights);
  }
}
