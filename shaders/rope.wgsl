// Rotary position embedding (Qwen/NeoX rotate-half) on the packed q|k|v rows of the fused QKV
// projection, fused with what surrounds it in attention:
//  - optional per-head RMSNorm first (Qwen3 q_norm/k_norm; weights q_norm then k_norm in `norm_w`),
//  - q heads are written rotated to q_out (T × nH·hd),
//  - k heads rotated, and v heads as they are, are written into the KV cache at (slot, position).
// One workgroup per (head among nH + 2·nKV, token). Each token carries its own (slot, position) in
// `meta`, so prompts of different lengths and batched decode rows share one dispatch.
// cos/sin come from a table built in float64 on the CPU: cs[(pos·hd/2 + i)·2 + {0: cos, 1: sin}].
struct Params {
  T: u32, nH: u32, nKV: u32, hd: u32,
  stride: u32,    // floats per qkv row: (nH + 2·nKV)·hd
  max_len: u32,   // cache positions per slot
  flags: u32,     // bit 0: per-head RMSNorm before the rotation
  eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> tok_meta: array<u32>;      // [slot, position] per token
@group(0) @binding(3) var<storage, read> cs: array<f32>;
@group(0) @binding(4) var<storage, read> norm_w: array<f32>;
@group(0) @binding(5) var<storage, read_write> q_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> k_cache: array<f32>; // [slot][pos][nKV][hd]
@group(0) @binding(7) var<storage, read_write> v_cache: array<f32>;

const WG = 64u;
var<workgroup> red: array<f32, WG>;

fn cache_index(slot: u32, pos: u32, head: u32, d: u32) -> u32 {
  return ((slot * p.max_len + pos) * p.nKV + head) * p.hd + d;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let h = wg.x;
  let t = wg.y;
  let src = t * p.stride + h * p.hd;
  let slot = tok_meta[2u * t];
  let pos = tok_meta[2u * t + 1u];
  if (h >= p.nH + p.nKV) {
    for (var d = lid.x; d < p.hd; d += WG) { v_cache[cache_index(slot, pos, h - p.nH - p.nKV, d)] = qkv[src + d]; }
    return;
  }
  let half = p.hd / 2u;
  var inv = 1.0;
  let norm = (p.flags & 1u) != 0u;
  if (norm) {
    var ss = 0.0;
    for (var d = lid.x; d < p.hd; d += WG) { let v = qkv[src + d]; ss += v * v; }
    red[lid.x] = ss;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
      if (lid.x < s) { red[lid.x] += red[lid.x + s]; }
      workgroupBarrier();
    }
    inv = inverseSqrt(red[0] / f32(p.hd) + p.eps);
  }
  let wo = select(p.hd, 0u, h < p.nH);
  for (var i = lid.x; i < half; i += WG) {
    var a = qkv[src + i];
    var b = qkv[src + i + half];
    if (norm) {
      a = a * inv * norm_w[wo + i];
      b = b * inv * norm_w[wo + i + half];
    }
    let c = cs[(pos * half + i) * 2u];
    let s = cs[(pos * half + i) * 2u + 1u];
    let ra = a * c - b * s;
    let rb = b * c + a * s;
    if (h < p.nH) {
      let o = t * p.nH * p.hd + h * p.hd;
      q_out[o + i] = ra;
      q_out[o + i + half] = rb;
    } else {
      k_cache[cache_index(slot, pos, h - p.nH, i)] = ra;
      k_cache[cache_index(slot, pos, h - p.nH, i + half)] = rb;
    }
  }
}
