// SwiGLU backward on the fused gate|up layout: gu is T × 2I (gate columns, then up), h = silu(g)·u.
//   d_gate = dh·u·σ(g)·(1 + g·(1 − σ(g))),  d_up = dh·g·σ(g)   → written to dgu (T × 2I)
struct Params { T: u32, I: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> gu: array<f32>;
@group(0) @binding(2) var<storage, read> dh: array<f32>;
@group(0) @binding(3) var<storage, read_write> dgu: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = gid.x + gid.y * nwg.x * 256u;
  if (j >= p.T * p.I) { return; }
  let t = j / p.I;
  let i = j % p.I;
  let gi = t * 2u * p.I + i;
  let g = gu[gi];
  let u = gu[gi + p.I];
  let s = 1.0 / (1.0 + exp(-g));
  let d = dh[j];
  dgu[gi] = d * u * s * (1.0 + g * (1.0 - s));
  dgu[gi + p.I] = d * g * s;
}
