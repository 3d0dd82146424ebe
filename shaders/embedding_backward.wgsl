// Embedding backward: dTable[tokens[t], d] += dx[t, d], into a flat gradient buffer at `off`.
// One thread per column d walks the tokens in order, so repeated tokens never race (no atomics).
struct Params { T: u32, D: u32, off: u32, _pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> dx: array<f32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let d = gid.x;
  if (d >= p.D) { return; }
  for (var t = 0u; t < p.T; t++) { grad[p.off + tokens[t] * p.D + d] += dx[t * p.D + d]; }
}
