// On-GPU sampling, one workgroup per row of logits; writes only (token id, log-probability) per row.
// Follows src/model/sampling.ts exactly (so CPU and GPU backends agree):
//  - greedy: argmax (lowest id on ties), logprob = log softmax(logits)[id];
//  - else: z = logits / T, e = exp(z − max z) (softmax up to its normalizer, stored in `scratch`);
//    logprob = log softmax(z)[id] (before truncation);
//    top-k keeps e ≥ the k-th largest e (ties kept); top-p keeps ids whose strictly-larger kept mass
//    is < topP · kept mass (the max always); the id is the first, in vocabulary order, where the
//    running kept sum exceeds u · (kept sum), u = samplingUniform(seed, sequence, step).
// Thresholds are found by bisection over the bit patterns of e (non-negative floats order like
// their bits), so no sort is needed: ~31 counting passes for top-k, ~31 mass passes for top-p.
struct Params { V: u32, greedy: u32, top_k: u32, top_p: f32, temperature: f32, seed: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;       // rows × V
@group(0) @binding(2) var<storage, read> row_info: array<u32>;     // [sequence, step] per row
@group(0) @binding(3) var<storage, read_write> scratch: array<f32>; // rows × V
@group(0) @binding(4) var<storage, read_write> out: array<u32>;    // [token, bitcast(logprob)] per row
@group(0) @binding(5) var<storage, read_write> next_tok: array<u32>; // token per row: the next decode step's input

const WG = 256u;
const ONE_BITS = 0x3f800000u; // 1.0 = exp(0), the largest e
var<workgroup> redf: array<f32, WG>;
var<workgroup> redu: array<u32, WG>;
var<workgroup> pick: vec2u; // [chosen thread, found]
var<workgroup> pick_start: f32;

fn hash32(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}

fn sum_f(v: f32, i: u32) -> f32 {
  redf[i] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (i < s) { redf[i] += redf[i + s]; }
    workgroupBarrier();
  }
  let r = workgroupUniformLoad(&redf[0]); // uniform: loop exits may depend on it
  workgroupBarrier();
  return r;
}

fn sum_u(v: u32, i: u32) -> u32 {
  redu[i] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (i < s) { redu[i] += redu[i + s]; }
    workgroupBarrier();
  }
  let r = workgroupUniformLoad(&redu[0]);
  workgroupBarrier();
  return r;
}

// Largest value, lowest index on ties (argmax), over the workgroup.
fn argmax_reduce(v: f32, idx: u32, i: u32) -> vec2u {
  redf[i] = v;
  redu[i] = idx;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (i < s) {
      let a = redf[i];
      let b = redf[i + s];
      if (b > a || (b == a && redu[i + s] < redu[i])) { redf[i] = b; redu[i] = redu[i + s]; }
    }
    workgroupBarrier();
  }
  let r = vec2u(bitcast<u32>(redf[0]), redu[0]);
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  // Uniforms copied to locals once: some compilers (SwiftShader) reload them inside every loop.
  let V = p.V;
  let temp = p.temperature;
  let top_k = p.top_k;
  let row = wg.x;
  let i = lid.x;
  let base = row * V;
  let greedy = p.greedy != 0u; // the wrapper passes temperature 1 when greedy

  // max (and argmax) of z; non-finite logits never win.
  var best = -3.4e38;
  var best_i = 0xffffffffu;
  for (var j = i; j < V; j += WG) {
    let z = logits[base + j] / temp;
    if (z > best) { best = z; best_i = j; }
  }
  let am = argmax_reduce(best, best_i, i);
  let zmax = bitcast<f32>(am.x);

  var se = 0.0;
  for (var j = i; j < V; j += WG) {
    let z = logits[base + j] / temp;
    let e = exp(z - zmax);
    se += e;
    if (!greedy) { scratch[base + j] = e; }
  }
  let log_sum = log(sum_f(se, i));

  var token = am.y;
  if (!greedy) {
    // top-k: the k-th largest e, as the largest bit pattern b with count(e ≥ b) ≥ k.
    var tau = 0u;
    if (top_k > 0u && top_k < V) {
      var lo = 0u;
      var hi = ONE_BITS + 1u;
      loop {
        if (hi - lo <= 1u) { break; }
        let mid = lo + (hi - lo) / 2u;
        var c = 0u;
        for (var j = i; j < V; j += WG) { c += select(0u, 1u, bitcast<u32>(scratch[base + j]) >= mid); }
        if (sum_u(c, i) >= top_k) { lo = mid; } else { hi = mid; }
      }
      tau = lo;
    }
    if (p.top_p < 1.0) {
      var mk = 0.0;
      for (var j = i; j < V; j += WG) { let e = scratch[base + j]; if (bitcast<u32>(e) >= tau) { mk += e; } }
      let bound = p.top_p * sum_f(mk, i);
      // Smallest t with (kept mass strictly above t) < bound; every e ≥ t is kept.
      var lo = tau;
      var hi = ONE_BITS;
      var above0 = 0.0;
      for (var j = i; j < V; j += WG) { let e = scratch[base + j]; let b = bitcast<u32>(e); if (b >= tau && b > lo) { above0 += e; } }
      if (sum_f(above0, i) < bound) { hi = lo; }
      loop {
        if (hi - lo <= 1u) { break; }
        let mid = lo + (hi - lo) / 2u;
        var a = 0.0;
        for (var j = i; j < V; j += WG) { let e = scratch[base + j]; let b = bitcast<u32>(e); if (b >= tau && b > mid) { a += e; } }
        if (sum_f(a, i) < bound) { hi = mid; } else { lo = mid; }
      }
      tau = max(tau, hi);
    }
    // Inverse CDF in vocabulary order: thread t owns ids [t·chunk, (t+1)·chunk).
    let chunk = (V + WG - 1u) / WG;
    let j0 = min(V, i * chunk);
    let j1 = min(V, j0 + chunk);
    var part = 0.0;
    for (var j = j0; j < j1; j++) { let e = scratch[base + j]; if (bitcast<u32>(e) >= tau) { part += e; } }
    redf[i] = part;
    workgroupBarrier();
    if (i == 0u) {
      var total = 0.0;
      for (var t = 0u; t < WG; t++) { total += redf[t]; }
      let info = 2u * row;
      let h = hash32(p.seed ^ hash32(row_info[info] ^ hash32(row_info[info + 1u])));
      let goal = f32(h >> 8u) / 16777216.0 * total;
      var acc = 0.0;
      var chosen = WG;
      var last = 0u;
      var last_start = 0.0;
      for (var t = 0u; t < WG; t++) {
        if (redf[t] > 0.0) { last = t; last_start = acc; }
        if (chosen == WG && redf[t] > 0.0 && acc + redf[t] > goal) { chosen = t; pick_start = acc; }
        acc += redf[t];
      }
      if (chosen == WG) { chosen = last; pick_start = last_start; }
      pick = vec2u(chosen, bitcast<u32>(goal));
    }
    workgroupBarrier();
    let chosen = pick.x;
    if (i == chosen) {
      let goal = bitcast<f32>(pick.y);
      var acc = pick_start;
      var found = 0xffffffffu;
      var last = j0;
      for (var j = j0; j < j1; j++) {
        let e = scratch[base + j];
        if (bitcast<u32>(e) < tau) { continue; }
        last = j;
        acc += e;
        if (acc > goal) { found = j; break; }
      }
      token = select(found, last, found == 0xffffffffu); // rounding left the goal at the very top
      out[2u * row] = token;
      next_tok[row] = token;
      let z = logits[base + token] / temp;
      out[2u * row + 1u] = bitcast<u32>(z - zmax - log_sum);
    }
    return;
  }
  if (i == 0u) {
    out[2u * row] = token;
    next_tok[row] = token;
    out[2u * row + 1u] = bitcast<u32>(logits[base + token] / temp - zmax - log_sum);
  }
}
