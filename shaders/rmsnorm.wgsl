// RMSNorm: y = x / sqrt(mean(x²) + eps) · w over "rows" of `width` values. A buffer row may hold
// several norm rows (`groups` of them, e.g. the heads of a token for Qwen3's q_norm/k_norm) at
// `in_off + g·width` within a stride of `in_stride`; the output is laid out the same way.
struct Params {
  rows: u32, width: u32, groups: u32, eps: f32,
  in_stride: u32, in_off: u32, out_stride: u32, out_off: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

const WG = 128u;
var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(128)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wg.x + wg.y * nwg.x;
  if (r >= p.rows) { return; } // uniform per workgroup, so the barriers below stay uniform
  let g = r % p.groups;
  let ib = (r / p.groups) * p.in_stride + p.in_off + g * p.width;
  let ob = (r / p.groups) * p.out_stride + p.out_off + g * p.width;
  var ss = 0.0;
  for (var i = lid.x; i < p.width; i += WG) { let v = x[ib + i]; ss += v * v; }
  red[lid.x] = ss;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid.x < s) { red[lid.x] += red[lid.x + s]; }
    workgroupBarrier();
  }
  let inv = inverseSqrt(red[0] / f32(p.width) + p.eps);
  for (var i = lid.x; i < p.width; i += WG) { y[ob + i] = x[ib + i] * inv * w[i]; }
}
