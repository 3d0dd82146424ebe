// AdamW over one parameter buffer (all LoRA tensors back to back, or one weight tensor whose gradient
// and moments sit at `off` in flat buffers), driven by the control record
// that grad_norm.wgsl's finalize wrote: nothing changes when control[0] = 0 (non-finite loss/gradient).
//   g = grad·scale; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²
//   w = w·(1 − lr·wd) − lr·(m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + eps)
struct Params { n: u32, lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, off: u32, _p1: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> control: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n || control[0] == 0.0) { return; }
  let j = p.off + i;
  let g = grad[j] * control[1];
  let mi = p.beta1 * m[j] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[j] + (1.0 - p.beta2) * g * g;
  m[j] = mi;
  v[j] = vi;
  let upd = (mi / control[2]) / (sqrt(vi / control[3]) + p.eps);
  w[i] = w[i] * (1.0 - p.lr * p.wd) - p.lr * upd;
}
