// Per row of logits (one next-token position): the log-probability of the target token and the
// entropy of the softmax, and (write_grad = 1) the row's gradient written over the logits in place:
//   dz_i = gl·(onehot(target)_i − p_i) − ge·p_i·(log p_i + H)
// with gl = ∂L/∂logprob and ge = ∂L/∂entropy of the row (both 0 for masked positions).
// Teacher targets (has_teacher = 1, distillation): a row with tidx[row] = j ≥ 0 adds KL(q ‖ p),
// q = exp(teacher row j) given as log-probabilities; its value goes to kl[row] (0 for rows without
// one) and its gradient p_i − q_i joins dz. Entries ≤ −1e30 count as log 0 (WGSL has no infinities).
// One 64-thread workgroup per row; the row index is wg.x + wg.y·num_workgroups.x.
struct Params { rows: u32, V: u32, write_grad: u32, has_teacher: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read> coef: array<vec2f>; // (gl, ge) per row
@group(0) @binding(4) var<storage, read_write> out: array<vec2f>; // (logprob, entropy) per row
@group(0) @binding(5) var<storage, read> teacher: array<f32>; // teacher rows × V log-probabilities
@group(0) @binding(6) var<storage, read> tidx: array<i32>; // per row: its teacher row, or −1
@group(0) @binding(7) var<storage, read_write> kl: array<f32>; // per row: KL(q ‖ p)

const WG = 64u;
const LOG_ZERO = -1e30;
var<workgroup> red: array<vec2f, WG>;

// Flat reductions: every thread reads all partials (broadcast reads). Two barriers instead of a
// log2(WG)-deep tree: barriers are what software Vulkan (SwiftShader, CI) pays for most.
fn reduce_max(v: f32, li: u32) -> f32 {
  red[li] = vec2f(v, 0.0);
  workgroupBarrier();
  var r = red[0].x;
  for (var j = 1u; j < WG; j++) { r = max(r, red[j].x); }
  workgroupBarrier();
  return r;
}

fn reduce_sum2(v: vec2f, li: u32) -> vec2f {
  red[li] = v;
  workgroupBarrier();
  var r = vec2f(0.0);
  for (var j = 0u; j < WG; j++) { r += red[j]; }
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = wg.x + wg.y * nwg.x;
  if (row >= p.rows) { return; } // uniform per workgroup, so barriers stay uniform
  let base = row * p.V;
  var m = -3.4e38;
  for (var i = li; i < p.V; i += WG) { m = max(m, logits[base + i]); }
  m = reduce_max(m, li);
  var s = 0.0;
  var sz = 0.0;
  for (var i = li; i < p.V; i += WG) {
    let z = logits[base + i];
    let e = exp(z - m);
    s += e;
    sz += e * (z - m);
  }
  let both = reduce_sum2(vec2f(s, sz), li);
  s = both.x;
  sz = both.y;
  let lse = m + log(s);
  // H = lse − Σ p·z = log s − Σ p·(z − m)
  let H = log(s) - sz / s;
  let t = targets[row];
  if (li == 0u) { out[row] = vec2f(logits[base + t] - lse, H); }
  // −1: no teacher for this row (also when the dispatch has none at all).
  var ti = -1;
  if (p.has_teacher != 0u) {
    ti = tidx[row];
    var part = 0.0;
    if (ti >= 0) {
      let qbase = u32(ti) * p.V;
      for (var i = li; i < p.V; i += WG) {
        let q = teacher[qbase + i];
        if (q > LOG_ZERO) { part += exp(q) * (q - (logits[base + i] - lse)); }
      }
    }
    // Every row of the dispatch reduces (zeros without a teacher): the barriers stay uniform.
    let total = reduce_sum2(vec2f(part, 0.0), li);
    if (li == 0u) { kl[row] = total.x; }
  }
  if (p.write_grad == 0u) { return; }
  storageBarrier(); // every thread has read the target's logit before any overwrite
  workgroupBarrier();
  let c = coef[row];
  for (var i = li; i < p.V; i += WG) {
    let lp = logits[base + i] - lse;
    let pr = exp(lp);
    var d = -c.x * pr - c.y * pr * (lp + H);
    if (i == t) { d += c.x; }
    if (ti >= 0) {
      let q = teacher[u32(ti) * p.V + i];
      d += pr - select(0.0, exp(q), q > LOG_ZERO);
    }
    logits[base + i] = d;
  }
}
