// Connectionist temporal classification (Graves et al. 2006) in float64 on the CPU: the loss
// −log p(label | frames) by the forward–backward recursions in log space over the label with blanks
// interleaved, its gradient with respect to the frame logits (softmax − occupancy, as in
// torch.nn.CTCLoss with reduction 'sum'), and greedy decoding (best path, repeats merged, blanks
// dropped). Label lengths here are tens of symbols over hundreds of frames, so the O(T·L) recursion
// is negligible next to the encoder's GPU work.

const NEG_INF = -Infinity;

function logAdd(a: number, b: number): number {
  if (a === NEG_INF) return b;
  if (b === NEG_INF) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Row-wise log-softmax of T × V logits. */
export function logSoftmaxRows(logits: ArrayLike<number>, T: number, V: number): Float64Array {
  const out = new Float64Array(T * V);
  for (let t = 0; t < T; t++) {
    let max = NEG_INF;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[t * V + v]!);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[t * V + v]! - max);
    const lse = max + Math.log(sum);
    for (let v = 0; v < V; v++) out[t * V + v] = logits[t * V + v]! - lse;
  }
  return out;
}

export interface CtcResult {
  /** −log p(label | frames); Infinity when the label cannot fit in T frames. */
  loss: number;
  /** d loss / d logits (T × V); all zeros when the loss is infinite (nothing to learn from). */
  grad: Float64Array;
}

/** CTC loss and gradient for one utterance: logits T × V, label ids in 1..V−1, blank id `blank`. */
export function ctcLoss(logits: ArrayLike<number>, T: number, V: number, label: readonly number[], blank = 0): CtcResult {
  for (const l of label) if (!Number.isInteger(l) || l < 0 || l >= V || l === blank) throw new Error(`ctc: label id ${l} is not a symbol in 0..${V - 1} other than the blank ${blank}`);
  const lp = logSoftmaxRows(logits, T, V);
  const S = 2 * label.length + 1;
  const sym = (s: number) => (s % 2 === 0 ? blank : label[(s - 1) / 2]!);
  // a transition s−2 → s is allowed unless s is a blank or repeats the symbol two back
  const skip = (s: number) => s >= 2 && s % 2 === 1 && sym(s) !== sym(s - 2);
  const alpha = new Float64Array(T * S).fill(NEG_INF);
  const beta = new Float64Array(T * S).fill(NEG_INF);
  alpha[0] = lp[blank]!;
  if (S > 1) alpha[1] = lp[sym(1)]!;
  for (let t = 1; t < T; t++) {
    for (let s = 0; s < S; s++) {
      let a = alpha[(t - 1) * S + s]!;
      if (s >= 1) a = logAdd(a, alpha[(t - 1) * S + s - 1]!);
      if (skip(s)) a = logAdd(a, alpha[(t - 1) * S + s - 2]!);
      alpha[t * S + s] = a + lp[t * V + sym(s)]!;
    }
  }
  beta[(T - 1) * S + S - 1] = lp[(T - 1) * V + sym(S - 1)]!;
  if (S > 1) beta[(T - 1) * S + S - 2] = lp[(T - 1) * V + sym(S - 2)]!;
  for (let t = T - 2; t >= 0; t--) {
    for (let s = S - 1; s >= 0; s--) {
      let b = beta[(t + 1) * S + s]!;
      if (s + 1 < S) b = logAdd(b, beta[(t + 1) * S + s + 1]!);
      if (s + 2 < S && skip(s + 2)) b = logAdd(b, beta[(t + 1) * S + s + 2]!);
      beta[t * S + s] = b + lp[t * V + sym(s)]!;
    }
  }
  let logP = alpha[(T - 1) * S + S - 1]!;
  if (S > 1) logP = logAdd(logP, alpha[(T - 1) * S + S - 2]!);
  const grad = new Float64Array(T * V);
  if (logP === NEG_INF) return { loss: Infinity, grad };
  // occupancy γ_t(v) = Σ_{s: sym(s)=v} α_t(s) β_t(s) / (p · y_t(v)); d loss/d logit = softmax − γ
  const occ = new Float64Array(V);
  for (let t = 0; t < T; t++) {
    occ.fill(NEG_INF);
    for (let s = 0; s < S; s++) occ[sym(s)] = logAdd(occ[sym(s)]!, alpha[t * S + s]! + beta[t * S + s]!);
    for (let v = 0; v < V; v++) {
      const y = Math.exp(lp[t * V + v]!);
      grad[t * V + v] = y - Math.exp(occ[v]! - lp[t * V + v]! - logP);
    }
  }
  return { loss: -logP, grad };
}

/** Best-path decoding: argmax per frame, repeats merged, blanks dropped. */
export function ctcGreedyDecode(logits: ArrayLike<number>, T: number, V: number, blank = 0): number[] {
  const out: number[] = [];
  let prev = -1;
  for (let t = 0; t < T; t++) {
    let best = 0;
    for (let v = 1; v < V; v++) if (logits[t * V + v]! > logits[t * V + best]!) best = v;
    if (best !== prev && best !== blank) out.push(best);
    prev = best;
  }
  return out;
}
