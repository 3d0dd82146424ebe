// GELU, tanh form (gelu_pytorch_tanh): gelu(x) = 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³).
//   forward:  out = gelu(x)                      bindings (params, x, out)
//   backward: out = dy · gelu'(x), x the forward INPUT   bindings (params, x, out, dy)
//   gelu'(x) = 0.5·(1 + tanh u) + 0.5·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²)
struct Params { n: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;

const SQRT_2_OVER_PI = 0.7978845608028654;
const A = 0.044715;

// tanh may be computed from exp(2u), which overflows to inf/inf = NaN for large |u|; tanh(±15) is ±1 in f32.
fn tanh_u(v: f32) -> f32 { return tanh(clamp(SQRT_2_OVER_PI * (v + A * v * v * v), -15.0, 15.0)); }

@compute @workgroup_size(256)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = gid.x + gid.y * nwg.x * 256u;
  if (j >= p.n) { return; }
  let v = x[j];
  out[j] = 0.5 * v * (1.0 + tanh_u(v));
}

@compute @workgroup_size(256)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = gid.x + gid.y * nwg.x * 256u;
  if (j >= p.n) { return; }
  let v = x[j];
  let th = tanh_u(v);
  let d = 0.5 * (1.0 + th) + 0.5 * v * (1.0 - th * th) * SQRT_2_OVER_PI * (1.0 + 3.0 * A * v * v);
  out[j] = dy[j] * d;
}
