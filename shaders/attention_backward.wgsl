// Backward of causal GQA attention for training (token t at position t, keys u ≤ t), in two passes
// that each own their outputs (no atomics):
//   entry dq:  one workgroup per (head h, query t): recomputes the row's logsumexp, D_t = Σ dO·O,
//              dq_t = scale·Σ_u P_tu·(dO_t·v_u − D_t)·k_u; stores (lse, D_t) for the second pass.
//   entry dkv: one workgroup per (kv head, key u): over the heads of its group and t ≥ u,
//              dk_u = scale·Σ P_tu·(dO_t·v_u − D_t)·q_t,  dv_u = Σ P_tu·dO_t.
// q, o, dO: T × nH·hd; k, v: [pos][nKV][hd] (slot 0 of a KV cache of max_len positions).
// dk: T × nKV·hd; dv is written at dv_off + u·dv_ld + kvh·hd (straight into the packed dqkv rows).
struct Params {
  T: u32, nH: u32, nKV: u32, hd: u32,
  dv_ld: u32, dv_off: u32, _pad: u32, scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> o: array<f32>;
@group(0) @binding(5) var<storage, read> dO: array<f32>;
@group(0) @binding(6) var<storage, read_write> stats: array<vec2f>; // (lse, D) per (h, t)
@group(0) @binding(7) var<storage, read_write> dq: array<f32>;
@group(0) @binding(8) var<storage, read_write> dk: array<f32>;
@group(0) @binding(9) var<storage, read_write> dv: array<f32>;

const WG = 64u;
const PER = 4u; // head dims per thread: hd ≤ 256
var<workgroup> red: array<f32, WG>;
var<workgroup> sh: array<vec2f, WG>;

// Flat reduction: two barriers instead of a log2(WG) tree (barriers dominate on software Vulkan).
fn reduce(x: f32, li: u32, is_max: bool) -> f32 {
  red[li] = x;
  workgroupBarrier();
  var r = red[0];
  for (var j = 1u; j < WG; j++) { r = select(r + red[j], max(r, red[j]), is_max); }
  workgroupBarrier();
  return r;
}

fn qrow(t: u32, h: u32) -> u32 { return (t * p.nH + h) * p.hd; }
fn kvrow(u: u32, kh: u32) -> u32 { return (u * p.nKV + kh) * p.hd; }

fn qk(t: u32, h: u32, u: u32, kh: u32) -> f32 {
  var s = 0.0;
  for (var i = 0u; i < p.hd; i++) { s += q[qrow(t, h) + i] * k[kvrow(u, kh) + i]; }
  return s * p.scale;
}

fn dov(t: u32, h: u32, u: u32, kh: u32) -> f32 {
  var s = 0.0;
  for (var i = 0u; i < p.hd; i++) { s += dO[qrow(t, h) + i] * v[kvrow(u, kh) + i]; }
  return s;
}

@compute @workgroup_size(64)
fn dq_main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let h = wg.x;
  let t = wg.y;
  let kh = h / (p.nH / p.nKV);
  var dsum = 0.0;
  for (var i = li; i < p.hd; i += WG) { dsum += dO[qrow(t, h) + i] * o[qrow(t, h) + i]; }
  let D = reduce(dsum, li, false);
  var m = -3.4e38;
  for (var u = li; u <= t; u += WG) { m = max(m, qk(t, h, u, kh)); }
  m = reduce(m, li, true);
  var l = 0.0;
  for (var u = li; u <= t; u += WG) { l += exp(qk(t, h, u, kh) - m); }
  let lse = m + log(reduce(l, li, false));
  var acc: array<f32, PER>;
  for (var u0 = 0u; u0 <= t; u0 += WG) {
    let u = u0 + li;
    var c = 0.0;
    if (u <= t) { c = exp(qk(t, h, u, kh) - lse) * (dov(t, h, u, kh) - D) * p.scale; }
    sh[li] = vec2f(c, 0.0);
    workgroupBarrier();
    let n = min(WG, t + 1u - u0);
    for (var j = 0u; j < n; j++) {
      let cj = sh[j].x;
      for (var r = 0u; r < PER; r++) {
        let i = li + r * WG;
        if (i < p.hd) { acc[r] += cj * k[kvrow(u0 + j, kh) + i]; }
      }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < PER; r++) {
    let i = li + r * WG;
    if (i < p.hd) { dq[qrow(t, h) + i] = acc[r]; }
  }
  if (li == 0u) { stats[h * p.T + t] = vec2f(lse, D); }
}

@compute @workgroup_size(64)
fn dkv_main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let kh = wg.x;
  let u = wg.y;
  let group = p.nH / p.nKV;
  var ak: array<f32, PER>;
  var av: array<f32, PER>;
  for (var g = 0u; g < group; g++) {
    let h = kh * group + g;
    for (var t0 = u; t0 < p.T; t0 += WG) {
      let t = t0 + li;
      var c = vec2f(0.0);
      if (t < p.T) {
        let st = stats[h * p.T + t];
        let pr = exp(qk(t, h, u, kh) - st.x);
        c = vec2f(pr * (dov(t, h, u, kh) - st.y) * p.scale, pr);
      }
      sh[li] = c;
      workgroupBarrier();
      let n = min(WG, p.T - t0);
      for (var j = 0u; j < n; j++) {
        let cj = sh[j];
        for (var r = 0u; r < PER; r++) {
          let i = li + r * WG;
          if (i < p.hd) {
            ak[r] += cj.x * q[qrow(t0 + j, h) + i];
            av[r] += cj.y * dO[qrow(t0 + j, h) + i];
          }
        }
      }
      workgroupBarrier();
    }
  }
  for (var r = 0u; r < PER; r++) {
    let i = li + r * WG;
    if (i < p.hd) {
      dk[kvrow(u, kh) + i] = ak[r];
      dv[p.dv_off + u * p.dv_ld + kh * p.hd + i] = av[r];
    }
  }
}
