// PPO's value head: V_t = w·h_t + b on the final hidden state h_t (after the final RMSNorm) at
// position t, i.e. the value of the state in which the policy emits token t+1. Its parameters train
// with the LoRA adapters in the same AdamW (keys below); ∂L/∂h flows back into the adapters through
// the training forward (TrainSequence.dHidden). Zero-initialised, so V starts at 0.

export const VALUE_WEIGHT = 'value_head.weight';
export const VALUE_BIAS = 'value_head.bias';

export class ValueHead {
  readonly weight: Float64Array;
  readonly bias: Float64Array;

  constructor(readonly hiddenSize: number) {
    if (!Number.isInteger(hiddenSize) || hiddenSize < 1) throw new Error(`ValueHead: hidden size must be a positive integer, got ${hiddenSize}`);
    this.weight = new Float64Array(hiddenSize);
    this.bias = new Float64Array(1);
  }

  /** The parameters under their optimizer/checkpoint names. */
  params(): Map<string, Float64Array> {
    return new Map([[VALUE_WEIGHT, this.weight], [VALUE_BIAS, this.bias]]);
  }

  /** Values of the first `positions` rows of a row-major hidden state (positions × D at least). */
  values(hidden: Float64Array, positions: number): Float64Array {
    const D = this.hiddenSize;
    if (hidden.length < positions * D) throw new Error(`ValueHead.values: hidden state has ${hidden.length} values, need ${positions} × ${D}`);
    const out = new Float64Array(positions);
    for (let t = 0; t < positions; t++) {
      let s = this.bias[0]!;
      for (let i = 0; i < D; i++) s += this.weight[i]! * hidden[t * D + i]!;
      out[t] = s;
    }
    return out;
  }

  /**
   * Back-propagates dL/dV per position: returns dL/dh (positions × D, for TrainSequence.dHidden)
   * and accumulates dL/dw, dL/db into `grads` (keys VALUE_WEIGHT, VALUE_BIAS).
   */
  backward(hidden: Float64Array, dValues: ArrayLike<number>, grads: Map<string, Float64Array>): Float64Array {
    const D = this.hiddenSize;
    const n = dValues.length;
    const dW = grads.get(VALUE_WEIGHT) ?? new Float64Array(D);
    const dB = grads.get(VALUE_BIAS) ?? new Float64Array(1);
    grads.set(VALUE_WEIGHT, dW);
    grads.set(VALUE_BIAS, dB);
    const dHidden = new Float64Array(n * D);
    for (let t = 0; t < n; t++) {
      const d = dValues[t]!;
      if (d === 0) continue;
      dB[0] += d;
      for (let i = 0; i < D; i++) {
        dW[i] += d * hidden[t * D + i]!;
        dHidden[t * D + i] = d * this.weight[i]!;
      }
    }
    return dHidden;
  }

  /** Replaces the parameters (checkpoint restore), checking sizes. */
  load(weight: ArrayLike<number>, bias: ArrayLike<number>, where: string): void {
    if (weight.length !== this.hiddenSize || bias.length !== 1) {
      throw new Error(`${where}: the value head has ${weight.length} + ${bias.length} values, expected ${this.hiddenSize} + 1 (another model?)`);
    }
    this.weight.set(weight);
    this.bias.set(bias);
  }
}
