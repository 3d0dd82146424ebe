// Backward of shaders/rope.wgsl for the q and k heads: the inverse rotation of dq (T × nH·hd) and
// dk (T × nKV·hd), then (flags bit 0, Qwen3) the per-head RMSNorm backward using the pre-norm heads
// in qkv. Results go to the q and k columns of dqkv (T × (nH + 2·nKV)·hd, same layout as qkv).
// One workgroup per (head among nH + nKV, token); cs is the forward's cos/sin table.
struct Params {
  T: u32, nH: u32, nKV: u32, hd: u32,
  stride: u32, _pad: u32, flags: u32, eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> tok_meta: array<u32>; // [slot, position] per token
@group(0) @binding(3) var<storage, read> cs: array<f32>;
@group(0) @binding(4) var<storage, read> norm_w: array<f32>;
@group(0) @binding(5) var<storage, read> dq: array<f32>;
@group(0) @binding(6) var<storage, read> dk: array<f32>;
@group(0) @binding(7) var<storage, read_write> dqkv: array<f32>;

const WG = 64u;
var<workgroup> red: array<vec2f, WG>;

// Gradient w.r.t. the rotation's input at dim d (the rotation is orthogonal: rotate by −angle).
fn unrotated(h: u32, t: u32, pos: u32, d: u32) -> f32 {
  let half = p.hd / 2u;
  let i = d % half;
  var a: f32;
  var b: f32;
  if (h < p.nH) {
    let o = (t * p.nH + h) * p.hd;
    a = dq[o + i];
    b = dq[o + i + half];
  } else {
    let o = (t * p.nKV + h - p.nH) * p.hd;
    a = dk[o + i];
    b = dk[o + i + half];
  }
  let c = cs[(pos * half + i) * 2u];
  let s = cs[(pos * half + i) * 2u + 1u];
  return select(b * c - a * s, a * c + b * s, d < half);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let h = wg.x;
  let t = wg.y;
  let pos = tok_meta[2u * t + 1u];
  let src = t * p.stride + h * p.hd;
  if ((p.flags & 1u) == 0u) {
    for (var d = lid.x; d < p.hd; d += WG) { dqkv[src + d] = unrotated(h, t, pos, d); }
    return;
  }
  let wo = select(p.hd, 0u, h < p.nH);
  var acc = vec2f(0.0);
  for (var d = lid.x; d < p.hd; d += WG) {
    let x = qkv[src + d];
    acc += vec2f(x * x, norm_w[wo + d] * unrotated(h, t, pos, d) * x);
  }
  red[lid.x] = acc;
  workgroupBarrier();
  var tot = vec2f(0.0);
  for (var j = 0u; j < WG; j++) { tot += red[j]; } // flat reduction: one barrier
  let inv = inverseSqrt(tot.x / f32(p.hd) + p.eps);
  let c = inv * inv * inv * tot.y / f32(p.hd);
  for (var d = lid.x; d < p.hd; d += WG) {
    dqkv[src + d] = inv * norm_w[wo + d] * unrotated(h, t, pos, d) - qkv[src + d] * c;
  }
}
