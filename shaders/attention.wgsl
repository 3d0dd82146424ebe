// Causal grouped-query attention against the KV cache, for prefill and decode alike:
// query row t (head h) belongs to cache slot tok_meta[2t] at position tok_meta[2t+1] and attends to that
// slot's keys 0 ..= position (its own K/V were written by the rope kernel before this dispatch).
// Query head h reads kv head h / (nH / nKV). out = softmax(q·kᵀ · scale) · v.
// One workgroup of 64 threads per (head, query row); keys are walked in blocks of 64 with an
// online softmax (running max m and sum l), so any sequence length works with fixed memory.
struct Params { T: u32, nH: u32, nKV: u32, hd: u32, max_len: u32, scale: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;        // T × nH × hd
@group(0) @binding(2) var<storage, read> tok_meta: array<u32>;     // [slot, position] per query row
@group(0) @binding(3) var<storage, read> k_cache: array<f32>;  // [slot][pos][nKV][hd]
@group(0) @binding(4) var<storage, read> v_cache: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>; // T × nH × hd

const WG = 64u;
const MAX_HD = 256u;
var<workgroup> qs: array<f32, MAX_HD>;
var<workgroup> probs: array<f32, WG>;
var<workgroup> red: array<f32, WG>;

fn reduce_max(v: f32, i: u32) -> f32 {
  red[i] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (i < s) { red[i] = max(red[i], red[i + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn reduce_sum(v: f32, i: u32) -> f32 {
  red[i] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (i < s) { red[i] += red[i + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let h = wg.x;
  let t = wg.y;
  let i = lid.x;
  let slot = tok_meta[2u * t];
  let n_keys = tok_meta[2u * t + 1u] + 1u;
  let kvh = h / (p.nH / p.nKV);
  let qo = (t * p.nH + h) * p.hd;
  for (var d = i; d < p.hd; d += WG) { qs[d] = q[qo + d]; }
  workgroupBarrier();

  var m = -3.0e38;
  var l = 0.0;
  var acc: array<f32, 4>; // dims i, i+64, i+128, i+192
  let kv_row = p.nKV * p.hd;
  let base = slot * p.max_len * kv_row + kvh * p.hd;
  for (var j0 = 0u; j0 < n_keys; j0 += WG) {
    let j = j0 + i;
    var s = -3.0e38;
    if (j < n_keys) {
      let ko = base + j * kv_row;
      var dot = 0.0;
      for (var d = 0u; d < p.hd; d++) { dot += qs[d] * k_cache[ko + d]; }
      s = dot * p.scale;
    }
    let m_new = max(m, reduce_max(s, i));
    let pj = select(0.0, exp(s - m_new), j < n_keys);
    probs[i] = pj;
    let alpha = exp(m - m_new);
    l = l * alpha + reduce_sum(pj, i); // the reduction's barriers also publish probs[]
    let block = min(WG, n_keys - j0);
    for (var c = 0u; c < 4u; c++) {
      let d = i + c * WG;
      if (d < p.hd) {
        var a = acc[c] * alpha;
        for (var jj = 0u; jj < block; jj++) { a += probs[jj] * v_cache[base + (j0 + jj) * kv_row + d]; }
        acc[c] = a;
      }
    }
    m = m_new;
    workgroupBarrier(); // probs[] is rewritten by the next block
  }
  for (var c = 0u; c < 4u; c++) {
    let d = i + c * WG;
    if (d < p.hd) { out[qo + d] = acc[c] / l; }
  }
}
