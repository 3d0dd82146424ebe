// SwiGLU gate: out[t, i] = silu(gu[t, i]) · gu[t, I + i], silu(g) = g / (1 + e^(−g)).
// gu is the output of the fused gate|up projection (T × 2I: gate columns first, then up).
struct Params { T: u32, I: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> gu: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = gid.x + gid.y * nwg.x * 256u;
  if (j >= p.T * p.I) { return; }
  let t = j / p.I;
  let i = j % p.I;
  let g = gu[t * 2u * p.I + i];
  out[j] = g / (1.0 + exp(-g)) * gu[t * 2u * p.I + p.I + i];
}
